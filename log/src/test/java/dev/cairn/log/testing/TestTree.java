package dev.cairn.log.testing;

import dev.cairn.log.storage.TreeHead;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import dev.cairn.tile.Bundles;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.TileBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tree grown in a test the way a sequencer grows one, yielding the objects (full tiles and
 * bundles, and the partial ones at their new widths) its growth adds: for driving storage
 * contracts without the sequencer.
 */
public final class TestTree {
  private final TileBuilder tiles = TileBuilder.empty();
  private final List<byte[]> entries = new ArrayList<>();
  private Map<String, byte[]> pending = new LinkedHashMap<>();

  /** The leaf hash of {@code entry}. */
  public static Hash leaf(byte[] entry) {
    return Hasher.threadLocal().leaf(entry);
  }

  /** Appends {@code added} and returns the head after them. */
  public TreeHead append(List<byte[]> added) {
    long start = tiles.size();
    for (byte[] e : added) {
      tiles.append(leaf(e).toByteArray(), 0, (tile, data) -> pending.put(tile.path(), data));
      entries.add(e);
    }
    long size = tiles.size();
    for (long b = start / 256; b * 256 < size; b++) {
      int width = (int) Math.min(256, size - b * 256);
      pending.put(new EntryBundle(b, width).path(),
          Bundles.encode(entries.subList((int) (b * 256), (int) (b * 256 + width))));
    }
    for (TileBuilder.TileData t : tiles.partialTiles(start)) {
      pending.put(t.tile().path(), t.data());
    }
    return head();
  }

  /** The head now. */
  public TreeHead head() {
    return new TreeHead(tiles.size(), tiles.root());
  }

  /** The objects added since the last call. */
  public Map<String, byte[]> takeObjects() {
    Map<String, byte[]> out = pending;
    pending = new LinkedHashMap<>();
    return out;
  }
}
