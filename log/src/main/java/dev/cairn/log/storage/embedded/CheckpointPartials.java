package dev.cairn.log.storage.embedded;

import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.ObjectStoreReader;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TileLayout;
import dev.cairn.tile.TilePath;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the partial tiles and bundles that earlier checkpoints need, cut from the tree's
 * current partial ones. tlog-tiles requires a log to serve the partial tiles of every size it
 * published a checkpoint for, until the full tile exists; a log that kept one object per tile
 * (layout 1) or a restored backup (which holds the partials of its own size only) has the
 * current width alone. Only the tiles still partial at the tree's size need this: older
 * checkpoints' tiles below them are full by now.
 */
public final class CheckpointPartials {
  private CheckpointPartials() {}

  /**
   * Creates the partial tiles and bundles that the checkpoints in {@code history} (and {@code
   * latest}, a size that may not be in it yet) below {@code size} need within the trailing
   * tiles of the tree of {@code size}, from that tree's objects; returns how many.
   */
  public static int write(ObjectStore objects, long size, CheckpointHistory history, long latest)
      throws IOException {
    ObjectStoreReader reader = new ObjectStoreReader(objects, "the object store");
    Map<String, byte[]> out = new LinkedHashMap<>();
    // Entry bundles: level 0's sizes, one entry per width.
    long bundle = size / TilePath.FULL_WIDTH;
    int bundleWidth = (int) (size % TilePath.FULL_WIDTH);
    byte[] trailingBundle = null;
    for (int w = 1; w < bundleWidth; w++) {
      long at = bundle * TilePath.FULL_WIDTH + w;
      if (published(history, latest, at, at + 1)) {
        if (trailingBundle == null) {
          trailingBundle = reader.readBundle(new EntryBundle(bundle, bundleWidth));
        }
        out.put(new EntryBundle(bundle, w).path(), cutBundle(trailingBundle, w));
      }
    }
    for (int level = 0; TileLayout.hashesAtLevel(level, size) > 0; level++) {
      long hashes = TileLayout.hashesAtLevel(level, size);
      long tile = hashes / TilePath.FULL_WIDTH;
      int width = (int) (hashes % TilePath.FULL_WIDTH);
      long span = 1L << (8 * level);
      byte[] trailing = null;
      for (int w = 1; w < width; w++) {
        long lo = (tile * TilePath.FULL_WIDTH + w) * span;
        if (published(history, latest, lo, lo + span)) {
          if (trailing == null) {
            trailing = reader.readTile(new HashTile(level, tile, width));
          }
          out.put(new HashTile(level, tile, w).path(), Arrays.copyOf(trailing, w * 32));
        }
      }
    }
    objects.createAll(out);
    return out.size();
  }

  /** Whether a checkpoint was published with a size in {@code [lo, hi)}. */
  private static boolean published(CheckpointHistory history, long latest, long lo, long hi)
      throws IOException {
    if (latest >= lo && latest < hi) {
      return true;
    }
    List<CheckpointHistory.Entry> first = history.list(lo - 1, 1, Instant.EPOCH, Instant.MAX);
    return !first.isEmpty() && first.getFirst().size() < hi;
  }

  private static byte[] cutBundle(byte[] bundle, int entries) {
    int pos = 0;
    for (int i = 0; i < entries; i++) {
      pos += 2 + ((bundle[pos] & 0xff) << 8 | (bundle[pos + 1] & 0xff));
    }
    return Arrays.copyOf(bundle, pos);
  }
}
