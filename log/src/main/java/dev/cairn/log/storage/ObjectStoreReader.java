package dev.cairn.log.storage;

import dev.cairn.read.LogReader;
import dev.cairn.read.MalformedObjectException;
import dev.cairn.read.Shapes;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TilePath;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.Optional;

/**
 * The log an {@link ObjectStore} holds, read as any tlog-tiles log: its {@code checkpoint}
 * object, and tiles and bundles at their paths, shaped as every {@link LogReader} shapes them
 * ({@link Shapes}). A partial tile or bundle that is gone (deleted once its full version was
 * published) is read from the full one, cut to its width.
 */
public final class ObjectStoreReader implements LogReader {
  private final ObjectStore objects;
  private final String name;

  /** A reader of {@code objects}, described as {@code name} in messages. */
  public ObjectStoreReader(ObjectStore objects, String name) {
    this.objects = objects;
    this.name = name;
  }

  @Override
  public String describe() {
    return name;
  }

  @Override
  public byte[] checkpoint() throws IOException {
    byte[] note = objects.get(ObjectStore.CHECKPOINT).orElseThrow(() -> new NoSuchFileException(
        ObjectStore.CHECKPOINT + " is missing from " + name));
    return capped(ObjectStore.CHECKPOINT, note, Shapes.MAX_CHECKPOINT_BYTES);
  }

  @Override
  public byte[] readTile(HashTile tile) throws IOException {
    Stored s = object(tile);
    return Shapes.tile(tile, (HashTile) s.path(), s.data(), s.path().path() + " in " + name);
  }

  @Override
  public byte[] readBundle(EntryBundle bundle) throws IOException {
    Stored s = object(bundle);
    return Shapes.bundle(bundle, (EntryBundle) s.path(), s.data(),
        s.path().path() + " in " + name);
  }

  private record Stored(TilePath path, byte[] data) {}

  /** The object at the tile's own path, or for a partial tile that is gone, the full one. */
  private Stored object(TilePath tile) throws IOException {
    Optional<byte[]> data = objects.get(tile.path());
    if (data.isPresent()) {
      return new Stored(tile, capped(tile.path(), data.get(), Shapes.cap(tile)));
    }
    if (tile.isPartial()) {
      TilePath full = tile.withWidth(TilePath.FULL_WIDTH);
      data = objects.get(full.path());
      if (data.isPresent()) {
        return new Stored(full, capped(full.path(), data.get(), Shapes.cap(full)));
      }
    }
    throw new NoSuchFileException(tile.path() + " is missing from " + name);
  }

  /** {@code data}, read from {@code path}, unless it is larger than any such object may be. */
  private byte[] capped(String path, byte[] data, int cap) throws MalformedObjectException {
    if (data.length > cap) {
      throw new MalformedObjectException(path + " in " + name + " has " + data.length
          + " bytes, more than the " + cap + " such an object may have");
    }
    return data;
  }

}
