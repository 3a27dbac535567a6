package dev.cairn.log.sequencing;

import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import dev.cairn.log.storage.StorageException;
import dev.cairn.log.storage.TreeHead;
import dev.cairn.read.LogReader;
import dev.cairn.tile.Bundles;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.TileBuilder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tree being sequenced, in memory: its right edge and partial tiles (a {@link TileBuilder})
 * and the entries of its partial bundle. Appending entries yields the objects — full bundles and
 * tiles, and the partial ones at their new widths, each under its own tlog-tiles path — that the
 * object store must receive. Owned by one thread.
 */
final class WorkingTree {
  private final TileBuilder tiles;
  private List<byte[]> partialBundle;
  private final Hasher hasher = new Hasher();
  private final byte[] leaf = new byte[Hash.SIZE];

  private WorkingTree(TileBuilder tiles, List<byte[]> partialBundle) {
    this.tiles = tiles;
    this.partialBundle = partialBundle;
  }

  /**
   * The tree of {@code head} as the object store holds it: one partial tile per level and the
   * partial bundle, checked against the head's root.
   *
   * @throws IOException if the stored tiles are missing, or of kind {@code CORRUPT} if they
   *     lead to another root
   */
  static WorkingTree restore(LogReader objects, TreeHead head) throws IOException {
    TileBuilder tiles = TileBuilder.restore(head.size(), objects);
    if (!tiles.root().equals(head.root())) {
      throw new StorageException(StorageException.Kind.CORRUPT, "stored tiles lead to root "
          + tiles.root() + " at size " + head.size() + ", but the integrated head says "
          + head.root());
    }
    int width = (int) (head.size() % EntryBundle.FULL_WIDTH);
    List<byte[]> partial = width == 0 ? new ArrayList<>()
        : new ArrayList<>(objects.entries(new EntryBundle(head.size() >>> 8, width)));
    checkPartialBundle(tiles, partial, head.size());
    return new WorkingTree(tiles, partial);
  }

  /**
   * Checks the entries of the partial bundle against the level-0 tile: the one bundle the log
   * reads back at start, and the one a torn or corrupt write would most likely hit.
   */
  private static void checkPartialBundle(TileBuilder tiles, List<byte[]> partial, long size)
      throws IOException {
    if (partial.isEmpty()) {
      return;
    }
    byte[] level0 = tiles.partialTiles(0).getFirst().data();
    Hasher hasher = new Hasher();
    long first = size - partial.size();
    for (int i = 0; i < partial.size(); i++) {
      if (!hasher.leaf(partial.get(i)).equalsBytes(level0, i * Hash.SIZE)) {
        throw new StorageException(StorageException.Kind.CORRUPT, "entry " + (first + i) + " in bundle "
            + new EntryBundle(size >>> 8, partial.size()).path()
            + " does not match its leaf hash in tile "
            + new dev.cairn.tile.HashTile(0, size >>> 8, partial.size()).path()
            + ": the stored data is corrupt (run `cairn verify --data`)");
      }
    }
  }

  /** The current tree head. */
  TreeHead head() {
    return new TreeHead(tiles.size(), tiles.root());
  }

  long size() {
    return tiles.size();
  }

  /**
   * Appends entries (with their leaf hashes, if known) and returns every object they change:
   * the bundles and tiles that became full and the new partial ones, by path.
   */
  Map<String, byte[]> append(List<byte[]> entries, List<Hash> leafHashes) {
    Map<String, byte[]> writes = new LinkedHashMap<>();
    TileBuilder.Sink fullTiles = (tile, data) -> writes.put(tile.path(), data);
    long start = tiles.size();
    for (int i = 0; i < entries.size(); i++) {
      byte[] e = entries.get(i);
      if (leafHashes != null) {
        leafHashes.get(i).copyTo(leaf, 0);
      } else {
        hasher.leafInto(e, 0, e.length, leaf, 0);
      }
      tiles.append(leaf, 0, fullTiles);
      partialBundle.add(e);
      if (partialBundle.size() == EntryBundle.FULL_WIDTH) {
        writes.put(EntryBundle.full((start + i) >>> 8).path(), Bundles.encode(partialBundle));
        partialBundle = new ArrayList<>();
      }
    }
    long end = tiles.size();
    if (!partialBundle.isEmpty()) {
      writes.put(new EntryBundle(end >>> 8, partialBundle.size()).path(),
          Bundles.encode(partialBundle));
    }
    for (TileBuilder.TileData t : tiles.partialTiles(start)) {
      writes.put(t.tile().path(), t.data());
    }
    return writes;
  }
}
