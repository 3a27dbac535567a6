package dev.cairn.log.storage;

import dev.cairn.tile.Bundles;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TilePath;
import dev.cairn.tile.TileReader;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.List;

/**
 * Reads tiles and bundles at a given width out of an {@link ObjectStore}, where each is stored
 * under its full-width path at its latest width.
 */
public final class StoredTiles {
  private StoredTiles() {}

  /** The stored object for {@code tile}, which is at least as wide as any committed width. */
  public static byte[] object(ObjectStore objects, TilePath tile) throws IOException {
    String key = tile instanceof HashTile h
        ? HashTile.full(h.level(), h.index()).path()
        : EntryBundle.full(tile.index()).path();
    return objects.get(key).orElseThrow(() -> new NoSuchFileException(
        key + " is missing from the object store (needed for " + tile.path() + ")"));
  }

  /** A {@link TileReader} over the stored hash tiles. */
  public static TileReader reader(ObjectStore objects) {
    return tile -> object(objects, tile);
  }

  /**
   * The first {@code bundle.width()} entries of the stored bundle.
   *
   * @throws IOException if the bundle is missing or does not decode, naming it
   */
  public static List<byte[]> bundle(ObjectStore objects, EntryBundle bundle) throws IOException {
    byte[] data = object(objects, bundle);
    try {
      return Bundles.decodePrefix(data, bundle.width());
    } catch (IllegalArgumentException e) {
      throw new IOException("bundle " + bundle.path() + " is corrupt: " + e.getMessage());
    }
  }

  /** The bytes of the first {@code bundle.width()} entries of the stored bundle. */
  public static byte[] bundleBytes(ObjectStore objects, EntryBundle bundle) throws IOException {
    byte[] data = object(objects, bundle);
    try {
      int len = Bundles.prefixLength(data, bundle.width());
      return len == data.length ? data : java.util.Arrays.copyOf(data, len);
    } catch (IllegalArgumentException e) {
      throw new IOException("bundle " + bundle.path() + " is corrupt: " + e.getMessage());
    }
  }

  /** The first {@code tile.width()} hashes of the stored hash tile. */
  public static byte[] tileBytes(ObjectStore objects, HashTile tile) throws IOException {
    byte[] data = object(objects, tile);
    int len = tile.width() * 32;
    if (data.length < len || data.length % 32 != 0) {
      throw new IOException("tile " + tile.path() + " is corrupt: the stored tile has "
          + data.length + " bytes, expected at least " + len);
    }
    return len == data.length ? data : java.util.Arrays.copyOf(data, len);
  }
}
