package dev.cairn.tile;

import dev.cairn.merkle.Hash;
import dev.cairn.merkle.HashReader;
import dev.cairn.merkle.Hasher;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads any complete-subtree hash of a tree of a fixed size out of its tiles: a hash at tree
 * level {@code 8L + k} is rebuilt from {@code 2^k} hashes of one tile at tile level {@code L}.
 *
 * <p>Keeps the last few tiles it read, so building a proof touches each tile once. Not
 * thread-safe; make one per proof or per audit. It trusts the tile bytes it gets, beyond their
 * length: callers that fetch tiles from someone else check the root they lead to.
 */
public final class TileHashReader implements HashReader {
  private static final int CACHED_TILES = 32;

  private final long treeSize;
  private final TileReader tiles;
  private final Hasher hasher = new Hasher();
  private final byte[] scratch = new byte[128 * Hash.SIZE];
  private final Map<HashTile, byte[]> cache =
      new LinkedHashMap<>(CACHED_TILES, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<HashTile, byte[]> eldest) {
          return size() > CACHED_TILES;
        }
      };

  /** A reader over the tiles of the tree of {@code treeSize} leaves. */
  public TileHashReader(long treeSize, TileReader tiles) {
    if (treeSize < 0) {
      throw new IllegalArgumentException("negative tree size " + treeSize);
    }
    this.treeSize = treeSize;
    this.tiles = tiles;
  }

  /** The tree size this reader serves. */
  public long treeSize() {
    return treeSize;
  }

  @Override
  public Hash read(int level, long index) throws IOException {
    if (level < 0 || level > 62 || index < 0 || index >= treeSize >>> level) {
      throw new IllegalArgumentException(
          "no complete subtree at level " + level + " index " + index + " in size " + treeSize);
    }
    int tileLevel = level / 8;
    int sub = level % 8;
    long first = index << sub;
    HashTile tile = TileLayout.tileFor(tileLevel, first, treeSize);
    byte[] data = tile(tile);
    int off = (int) (first & 0xff);
    if (sub == 0) {
      return Hash.copyOf(data, off * Hash.SIZE);
    }
    int n = 1 << sub;
    byte[] buf = scratch;
    System.arraycopy(data, off * Hash.SIZE, buf, 0, n * Hash.SIZE);
    for (; n > 1; n >>= 1) {
      for (int i = 0; i < n / 2; i++) {
        hasher.nodeInto(buf, 2 * i * Hash.SIZE, buf, (2 * i + 1) * Hash.SIZE, buf, i * Hash.SIZE);
      }
    }
    return Hash.copyOf(buf, 0);
  }

  private byte[] tile(HashTile tile) throws IOException {
    byte[] data = cache.get(tile);
    if (data == null) {
      data = tiles.readTile(tile);
      int want = tile.width() * Hash.SIZE;
      if (data.length < want || data.length % Hash.SIZE != 0
          || data.length > TilePath.FULL_WIDTH * Hash.SIZE) {
        throw new IOException(
            "tile " + tile.path() + " has " + data.length + " bytes, expected " + want);
      }
      cache.put(tile, data);
    }
    return data;
  }
}
