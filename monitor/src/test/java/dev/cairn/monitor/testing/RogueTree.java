package dev.cairn.monitor.testing;

import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import dev.cairn.tile.Bundles;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.TileBuilder;
import dev.cairn.tile.TilePath;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;

/**
 * The tlog-tiles objects of a list of entries, as a log that published each of some sizes in
 * turn serves them: every full tile and bundle, and the partial tiles and bundle of each
 * published size. Built from scratch each time, which is cheap at test sizes and lets a rogue
 * log rewrite its history.
 */
final class RogueTree {
  /**
   * The objects and the root of the last size.
   *
   * @param objects the bytes of each object, by path below the log's prefix
   * @param root the root of the tree of the last published size
   */
  record Built(Map<String, byte[]> objects, Hash root) {}

  private RogueTree() {}

  /**
   * Builds the objects of {@code entries} published at {@code sizes}, all of them at most the
   * number of entries. Bundles carry {@code bundleLies}' entry, by index, where it has one; the
   * hashes are always those of {@code entries}.
   */
  static Built build(List<byte[]> entries, SortedSet<Long> sizes, Map<Long, byte[]> bundleLies) {
    Map<String, byte[]> out = new HashMap<>();
    TileBuilder tree = TileBuilder.empty();
    Hasher hasher = new Hasher();
    List<byte[]> bundle = new ArrayList<>();
    long size = 0;
    for (long published : sizes) {
      for (; size < published; size++) {
        byte[] entry = entries.get(Math.toIntExact(size));
        bundle.add(bundleLies.getOrDefault(size, entry));
        tree.append(hasher.leaf(entry).toByteArray(), 0,
            (tile, data) -> out.put(tile.path(), data));
        if (bundle.size() == TilePath.FULL_WIDTH) {
          out.put(EntryBundle.full(size / TilePath.FULL_WIDTH).path(), Bundles.encode(bundle));
          bundle.clear();
        }
      }
      for (TileBuilder.TileData t : tree.partialTiles(0)) {
        out.put(t.tile().path(), t.data());
      }
      if (!bundle.isEmpty()) {
        out.put(new EntryBundle(size / TilePath.FULL_WIDTH, bundle.size()).path(),
            Bundles.encode(bundle));
      }
    }
    return new Built(out, tree.root());
  }

  /** The root of the tree of the first {@code size} of {@code entries}. */
  static Hash root(List<byte[]> entries, long size) {
    TileBuilder tree = TileBuilder.empty();
    Hasher hasher = new Hasher();
    for (int i = 0; i < size; i++) {
      tree.append(hasher.leaf(entries.get(i)).toByteArray(), 0, (tile, data) -> {});
    }
    return tree.root();
  }
}
