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
    return Shapes.tile(tile, object(tile));
  }

  @Override
  public byte[] readBundle(EntryBundle bundle) throws IOException {
    return Shapes.bundle(bundle, object(bundle));
  }

  /** The object at the tile's own path, or for a partial tile that is gone, the full one. */
  private Shapes.Stored object(TilePath tile) throws IOException {
    String path = tile.path();
    Optional<byte[]> data = objects.get(path);
    if (data.isPresent()) {
      return new Shapes.Stored(tile, capped(path, data.get(), Shapes.cap(tile)), where(path));
    }
    if (tile.isPartial()) {
      TilePath full = tile.withWidth(TilePath.FULL_WIDTH);
      String fullPath = full.path();
      data = objects.get(fullPath);
      if (data.isPresent()) {
        return new Shapes.Stored(full, capped(fullPath, data.get(), Shapes.cap(full)),
            where(fullPath));
      }
    }
    throw new NoSuchFileException(path + " is missing from " + name);
  }

  private String where(String path) {
    return path + " in " + name;
  }

  /** {@code data}, read from {@code path}, unless it is larger than any such object may be. */
  private byte[] capped(String path, byte[] data, int cap) throws MalformedObjectException {
    if (data.length > cap) {
      throw new MalformedObjectException(where(path) + " has " + data.length
          + " bytes, more than the " + cap + " such an object may have");
    }
    return data;
  }

}
