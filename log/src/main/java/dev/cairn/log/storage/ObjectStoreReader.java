package dev.cairn.log.storage;

import dev.cairn.read.LogReader;
import dev.cairn.tile.Bundles;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TilePath;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.Optional;

/**
 * The log an {@link ObjectStore} holds, read as any tlog-tiles log: its {@code checkpoint}
 * object, and tiles and bundles at their paths. A partial tile or bundle that is gone (deleted
 * once its full version was published) is read from the full one, cut to its width.
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
    return objects.get(ObjectStore.CHECKPOINT).orElseThrow(() -> new NoSuchFileException(
        ObjectStore.CHECKPOINT + " is missing from " + name));
  }

  @Override
  public byte[] readTile(HashTile tile) throws IOException {
    byte[] data = object(tile);
    int want = tile.width() * 32;
    if (data.length < want || data.length % 32 != 0
        || !tile.isPartial() && data.length != want) {
      throw new StorageException(StorageException.Kind.CORRUPT, "tile " + tile.path() + " has "
          + data.length + " bytes, expected " + want + " (in " + name + ")");
    }
    return data.length == want ? data : Arrays.copyOf(data, want);
  }

  @Override
  public byte[] readBundle(EntryBundle bundle) throws IOException {
    byte[] data = object(bundle);
    int length;
    try {
      length = Bundles.prefixLength(data, bundle.width());
    } catch (IllegalArgumentException e) {
      throw new StorageException(StorageException.Kind.CORRUPT, "bundle " + bundle.path()
          + " is corrupt: " + e.getMessage() + " (in " + name + ")");
    }
    if (!bundle.isPartial() && length != data.length) {
      throw new StorageException(StorageException.Kind.CORRUPT, "bundle " + bundle.path()
          + " has " + (data.length - length) + " bytes after its " + TilePath.FULL_WIDTH
          + " entries (in " + name + ")");
    }
    return length == data.length ? data : Arrays.copyOf(data, length);
  }

  /** The object at the tile's own path, or for a partial tile that is gone, the full one. */
  private byte[] object(TilePath tile) throws IOException {
    Optional<byte[]> data = objects.get(tile.path());
    if (data.isEmpty() && tile.isPartial()) {
      data = objects.get(full(tile).path());
    }
    return data.orElseThrow(() -> new NoSuchFileException(tile.path() + " is missing from "
        + name));
  }

  /** The full version of {@code tile}. */
  public static TilePath full(TilePath tile) {
    return tile instanceof HashTile h ? HashTile.full(h.level(), h.index())
        : EntryBundle.full(tile.index());
  }
}
