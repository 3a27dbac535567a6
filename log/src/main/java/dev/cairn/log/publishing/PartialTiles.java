package dev.cairn.log.publishing;

import dev.cairn.log.storage.ObjectStore;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TileLayout;
import dev.cairn.tile.TilePath;
import java.io.IOException;

/**
 * Deletes the partial tiles and bundles that no checkpoint needs any more. tlog-tiles requires a
 * log to serve the partial tiles of every size it published a checkpoint for until the full tile
 * exists, and lets it drop them then; partial tiles that integration wrote between two
 * checkpoints were never needed by anyone. So a publication of size {@code size} after one of
 * {@code after} deletes every partial of the tiles that became full, and those of the tiles
 * still partial whose widths lie strictly between the two checkpoints'. A static copy of the
 * object store then serves every checkpoint ever published, at a disk cost of one partial per
 * checkpoint per trailing tile.
 */
final class PartialTiles {
  private PartialTiles() {}

  /** Collects after a publication of {@code size} that followed one of {@code after}. */
  static void collect(ObjectStore objects, long after, long size) throws IOException {
    collect(objects, after, size, true);
  }

  /**
   * Deletes the partials of the tiles that are full at {@code size} but were not at {@code
   * after}: what a crash may have left behind, collected again at start.
   */
  static void collectFull(ObjectStore objects, long after, long size) throws IOException {
    collect(objects, after, size, false);
  }

  private static void collect(ObjectStore objects, long after, long size, boolean trailing)
      throws IOException {
    collectLevel(objects, -1, after, size, trailing);
    for (int level = 0; TileLayout.hashesAtLevel(level, size) > 0; level++) {
      collectLevel(objects, level, after, size, trailing);
    }
  }

  /** One level's tiles ({@code -1}: the entry bundles). */
  private static void collectLevel(ObjectStore objects, int level, long after, long size,
      boolean trailingToo) throws IOException {
    long before = level < 0 ? after : TileLayout.hashesAtLevel(level, after);
    long now = level < 0 ? size : TileLayout.hashesAtLevel(level, size);
    long first = before / TilePath.FULL_WIDTH;
    long trailing = now / TilePath.FULL_WIDTH;
    for (long t = first; t < trailing; t++) {
      objects.deletePartials(tile(level, t), w -> true);
    }
    int lo = first == trailing ? (int) (before % TilePath.FULL_WIDTH) : 0;
    int hi = (int) (now % TilePath.FULL_WIDTH);
    if (trailingToo && hi > lo + 1) {
      objects.deletePartials(tile(level, trailing), w -> w > lo && w < hi);
    }
  }

  private static TilePath tile(int level, long index) {
    return level < 0 ? EntryBundle.full(index) : HashTile.full(level, index);
  }
}
