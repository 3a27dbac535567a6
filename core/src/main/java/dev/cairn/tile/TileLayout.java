package dev.cairn.tile;

import java.util.ArrayList;
import java.util.List;

/**
 * Which tiles represent a tree of a given size, and which ones growing a tree writes.
 *
 * <p>At tile level L a tree of size s has {@code c = s >> 8L} hashes: {@code c / 256} full tiles
 * and, if {@code c % 256 != 0}, one partial tile of width {@code c % 256}. Entry bundles follow
 * level 0. Empty tiles do not exist.
 */
public final class TileLayout {
  private TileLayout() {}

  /** The number of hashes stored at tile level {@code level} for a tree of {@code size}. */
  public static long hashesAtLevel(int level, long size) {
    int shift = 8 * level;
    return shift >= 64 ? 0 : size >>> shift;
  }

  /**
   * The tile holding hash number {@code hashIndex} of tile level {@code level}, at the width it
   * has in a tree of {@code size}.
   */
  public static HashTile tileFor(int level, long hashIndex, long size) {
    long count = hashesAtLevel(level, size);
    if (hashIndex < 0 || hashIndex >= count) {
      throw new IllegalArgumentException(
          "hash " + hashIndex + " of tile level " + level + " is not in a tree of size " + size);
    }
    long tile = hashIndex >>> 8;
    return new HashTile(level, tile, widthOf(tile, count));
  }

  /** The bundle holding entry {@code entryIndex}, at the width it has in a tree of {@code size}. */
  public static EntryBundle bundleFor(long entryIndex, long size) {
    if (entryIndex < 0 || entryIndex >= size) {
      throw new IllegalArgumentException(
          "entry " + entryIndex + " is not in a tree of size " + size);
    }
    long bundle = entryIndex >>> 8;
    return new EntryBundle(bundle, widthOf(bundle, size));
  }

  private static int widthOf(long tile, long count) {
    return tile < count >>> 8 ? TilePath.FULL_WIDTH : (int) (count & 0xff);
  }

  /** The partial hash tiles (every level) and partial bundle of a tree of {@code size}. */
  public static List<TilePath> partialTiles(long size) {
    List<TilePath> out = new ArrayList<>();
    for (int level = 0; hashesAtLevel(level, size) > 0; level++) {
      long c = hashesAtLevel(level, size);
      if ((c & 0xff) != 0) {
        out.add(new HashTile(level, c >>> 8, (int) (c & 0xff)));
      }
    }
    if ((size & 0xff) != 0) {
      out.add(new EntryBundle(size >>> 8, (int) (size & 0xff)));
    }
    return out;
  }

  /**
   * The hash tiles and bundles that exist at {@code newSize} but not at {@code oldSize}: every
   * tile that became full, and the new partial tile at each level that grew.
   */
  public static List<TilePath> added(long oldSize, long newSize) {
    if (oldSize < 0 || newSize < oldSize) {
      throw new IllegalArgumentException("cannot grow from " + oldSize + " to " + newSize);
    }
    List<TilePath> out = new ArrayList<>();
    for (int level = 0; ; level++) {
      long c0 = hashesAtLevel(level, oldSize);
      long c1 = hashesAtLevel(level, newSize);
      if (c1 == c0) {
        break;
      }
      for (long n = c0 >>> 8; n < c1 >>> 8; n++) {
        out.add(HashTile.full(level, n));
      }
      if ((c1 & 0xff) != 0) {
        out.add(new HashTile(level, c1 >>> 8, (int) (c1 & 0xff)));
      }
    }
    if (newSize != oldSize) {
      for (long n = oldSize >>> 8; n < newSize >>> 8; n++) {
        out.add(EntryBundle.full(n));
      }
      if ((newSize & 0xff) != 0) {
        out.add(new EntryBundle(newSize >>> 8, (int) (newSize & 0xff)));
      }
    }
    return out;
  }
}
