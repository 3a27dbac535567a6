package dev.cairn.read;

import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TileBuilder;
import dev.cairn.tile.TilePath;
import dev.cairn.tile.TileReader;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongConsumer;

/**
 * Replays a log from its entries alone and compares what its {@link LogReader} serves with the
 * replay: the one engine behind {@code cairn verify}, whatever the log is read from.
 *
 * <p>{@link #run(long, long)} goes once over the bundles holding the entries from {@code from}
 * to {@code to}, in index order: each entry's leaf hash is computed and compared with the level-0
 * tile; the hashes feed a {@link TileBuilder}, and every tile above level 0 that becomes full is
 * compared with the reader's, as is, at the end, every partial tile above level 0 of the tree of
 * {@code to} leaves. Whenever the replayed tree reaches the next size of the {@link Checkpoints}
 * hook, the hook gets its root (a log's history checks its checkpoints there; a client passes the
 * checkpoint it verified). After each bundle, an optional {@link BundleObserver} gets its entries
 * and verified leaf hashes, and progress gets the size reached. All hooks run on the caller's
 * thread, in order.
 *
 * <p>The run stops at the first {@link Divergence}: a leaf or tile hash that differs from the
 * replay (naming the entry or subtree, the objects, and both hashes), an object that is missing
 * or misshapen (as the reader names it), or what a hook throws. Other read failures are {@link
 * IOException}s. Bundles are read ahead on virtual threads when the reader is remote ({@link
 * LogReader#parallelism()}), which changes nothing of the result.
 *
 * <p>Starting at {@code from > 0} restores the tree of {@code from} leaves from the reader's tiles
 * at that size (its right edge and its partial tiles, each tile read once). Those are checked as
 * a whole by the root at {@code from}, so pass the verified checkpoint of that size as the hook's
 * first size: a monitor then replays only what was added since. A bundle that starts before
 * {@code from} has its earlier entries checked against the level-0 tile too, so an observer only
 * ever sees verified bundles.
 *
 * <p>The settings are immutable; a {@link Checkpoints} hook is consumed by the run it serves.
 */
public final class Replay {
  /**
   * The tree sizes at which the replay hands the hook the replayed root, in increasing order: a
   * log's checkpoint history, or the one checkpoint a client verified.
   */
  public interface Checkpoints {
    /** Checks nothing. */
    Checkpoints NONE = new Checkpoints() {
      @Override
      public long nextSize() {
        return -1;
      }

      @Override
      public void reached(long size, Hash root) {}
    };

    /**
     * The size of the next tree to check, at least the replay's {@code from} and greater than any
     * size reached before; -1 if there is none. A size beyond the replay's {@code to} is never
     * reached: the caller sees it still here after the run.
     */
    long nextSize();

    /**
     * The replayed tree has {@link #nextSize()} leaves and {@code root}: check it, and move on to
     * the next size.
     *
     * @throws Divergence if the tree is not what it should be
     */
    void reached(long size, Hash root) throws Divergence, IOException;

    /**
     * Checks the root at each size of {@code roots}: a {@link Divergence} "the checkpoint of size
     * N has root R, but the first N entries give R'" if it differs.
     */
    static Checkpoints of(Map<Long, Hash> roots) {
      Iterator<Map.Entry<Long, Hash>> sizes = new TreeMap<>(roots).entrySet().iterator();
      return new Checkpoints() {
        private Map.Entry<Long, Hash> next = sizes.hasNext() ? sizes.next() : null;

        @Override
        public long nextSize() {
          return next == null ? -1 : next.getKey();
        }

        @Override
        public void reached(long size, Hash root) throws Divergence {
          Hash expected = next.getValue();
          next = sizes.hasNext() ? sizes.next() : null;
          if (!root.equals(expected)) {
            throw new Divergence("the checkpoint of size " + size + " has root " + expected
                + ", but the first " + size + " entries give " + root);
          }
        }
      };
    }
  }

  /** Sees each bundle once it is verified. */
  @FunctionalInterface
  public interface BundleObserver {
    /** Sees nothing. */
    BundleObserver NONE = (bundle, entries, leafHashes) -> {};

    /**
     * Called after every entry of {@code bundle} was found to hash to its leaf hash.
     *
     * @param entries the bundle's {@code bundle.width()} encoded entries (see {@link
     *     dev.cairn.tile.Bundles}), not to be changed
     * @param leafHashes their {@code 32 * bundle.width()} leaf hashes, not to be changed
     * @throws Divergence to stop the replay there
     */
    void bundle(EntryBundle bundle, byte[] entries, byte[] leafHashes)
        throws Divergence, IOException;
  }

  private static final HexFormat HEX = HexFormat.of();

  private final LogReader reader;
  private final Checkpoints checkpoints;
  private final BundleObserver observer;
  private final LongConsumer progress;

  private Replay(LogReader reader, Checkpoints checkpoints, BundleObserver observer,
      LongConsumer progress) {
    this.reader = reader;
    this.checkpoints = checkpoints;
    this.observer = observer;
    this.progress = progress;
  }

  /** A replay of what {@code reader} reads, with no hooks. */
  public static Replay of(LogReader reader) {
    return new Replay(reader, Checkpoints.NONE, BundleObserver.NONE, size -> {});
  }

  /** This replay, checking the replayed root at {@code checkpoints}' sizes. */
  public Replay checking(Checkpoints checkpoints) {
    return new Replay(reader, checkpoints, observer, progress);
  }

  /** This replay, showing each verified bundle to {@code observer}. */
  public Replay observing(BundleObserver observer) {
    return new Replay(reader, checkpoints, observer, progress);
  }

  /** This replay, telling {@code progress} the tree size reached after each bundle. */
  public Replay reporting(LongConsumer progress) {
    return new Replay(reader, checkpoints, observer, progress);
  }

  /**
   * Replays entries {@code from} to {@code to - 1} on top of the reader's tree of {@code from}
   * leaves, and returns the root of the tree of {@code to} leaves.
   *
   * @throws Divergence at the first disagreement, missing or misshapen object, describing it
   * @throws IOException if reading fails for another reason than the data being wrong
   * @throws IllegalArgumentException if {@code 0 <= from <= to} does not hold or the hook's first
   *     size is below {@code from}
   */
  public Hash run(long from, long to) throws Divergence, IOException {
    if (from < 0 || to < from) {
      throw new IllegalArgumentException("cannot replay from size " + from + " to " + to);
    }
    long first = checkpoints.nextSize();
    if (first >= 0 && first < from) {
      throw new IllegalArgumentException("the first checkpoint to check, of size " + first
          + ", is before the replay's start at size " + from);
    }
    return new Pass(from, to).run();
  }

  /** One run: the replayed tree and the scratch space of the hot loop. */
  private final class Pass {
    private final long from;
    private final long to;
    private final Hasher hasher = new Hasher();
    private final byte[] leaf = new byte[Hash.SIZE];
    private final List<TileBuilder.TileData> completed = new ArrayList<>();
    private final TileBuilder.Sink sink = (tile, data) -> {
      if (tile.level() > 0) {
        completed.add(new TileBuilder.TileData(tile, data));
      }
    };
    private TileBuilder tree;

    Pass(long from, long to) {
      this.from = from;
      this.to = to;
    }

    Hash run() throws Divergence, IOException {
      tree = from == 0 ? TileBuilder.empty() : restore();
      reached(from);
      if (to == from) {
        return tree.root();
      }
      try (BundleFeed feed = BundleFeed.open(reader, from, to)) {
        for (long n = from / TilePath.FULL_WIDTH; n <= (to - 1) / TilePath.FULL_WIDTH; n++) {
          BundleFeed.Item item;
          try {
            item = feed.next();
          } catch (NoSuchFileException | MalformedObjectException e) {
            throw new Divergence(e.getMessage(), e);
          }
          bundle(item);
        }
      }
      for (TileBuilder.TileData partial : tree.partialTiles(from)) {
        if (partial.tile().level() > 0) {
          compare(partial.tile(), partial.data());
        }
      }
      return tree.root();
    }

    /**
     * The tree of {@code from} leaves from the reader's tiles. The right edge and the partial
     * tiles come from the same reads, so the root at {@code from} vouches for both.
     */
    private TileBuilder restore() throws Divergence, IOException {
      Map<HashTile, byte[]> read = new HashMap<>();
      TileReader once = tile -> {
        byte[] data = read.get(tile);
        if (data == null) {
          data = reader.readTile(tile);
          read.put(tile, data);
        }
        return data;
      };
      try {
        return TileBuilder.restore(from, once);
      } catch (NoSuchFileException | MalformedObjectException e) {
        throw new Divergence(e.getMessage(), e);
      }
    }

    private void bundle(BundleFeed.Item item) throws Divergence, IOException {
      EntryBundle b = item.bundle();
      long first = b.firstEntry();
      int width = b.width();
      if (item.leafHashes().length != width * Hash.SIZE) {
        throw new Divergence(reader.describe() + " gave " + item.leafHashes().length
            + " bytes for tile " + item.tile().path() + ", expected " + width * Hash.SIZE);
      }
      int start = (int) Math.max(0, from - first);
      int off = leaves(item, 0, 0, start, false);
      for (int i = start; i < width; ) {
        // Up to the next checkpoint inside this bundle, or the bundle's end.
        long next = checkpoints.nextSize();
        int end = next > first + i && next < first + width ? (int) (next - first) : width;
        off = leaves(item, off, i, end, true);
        for (TileBuilder.TileData t : completed) {
          compare(t.tile(), t.data());
        }
        completed.clear();
        i = end;
        reached(first + i);
      }
      if (off != item.entries().length) {
        throw new Divergence("bundle " + b.path() + " has " + (item.entries().length - off)
            + " bytes after its " + width + " entries");
      }
      observer.bundle(b, item.entries(), item.leafHashes());
      progress.accept(first + width);
    }

    /**
     * Hashes the entries at positions {@code [from, to)} of the item's bundle, which start at
     * byte {@code off}, compares their leaf hashes with its tile and, with {@code append},
     * appends them to the tree; returns the offset after them. Kept small and apart so the JIT
     * compiles this hot loop early.
     */
    private int leaves(BundleFeed.Item item, int off, int from, int to, boolean append)
        throws Divergence {
      byte[] entries = item.entries();
      byte[] tile = item.leafHashes();
      byte[] leaf = this.leaf;
      for (int i = from; i < to; i++) {
        if (off + 2 > entries.length) {
          throw new Divergence("bundle " + item.bundle().path() + " is truncated: it ends ("
              + entries.length + " bytes) before entry " + (item.bundle().firstEntry() + i)
              + " (position " + i + ")");
        }
        int len = (entries[off] & 0xff) << 8 | (entries[off + 1] & 0xff);
        if (off + 2 + len > entries.length) {
          throw new Divergence("bundle " + item.bundle().path() + " is truncated: entry "
              + (item.bundle().firstEntry() + i) + " (position " + i + ") has " + len
              + " bytes but only " + (entries.length - off - 2) + " remain");
        }
        hasher.leafInto(entries, off + 2, len, leaf, 0);
        off += 2 + len;
        if (Arrays.mismatch(leaf, 0, Hash.SIZE, tile, i * Hash.SIZE, (i + 1) * Hash.SIZE) >= 0) {
          throw new Divergence("entry " + (item.bundle().firstEntry() + i) + ": tile "
              + item.tile().path() + " holds leaf hash " + hex(tile, i) + " at position " + i
              + ", but the entry in " + item.bundle().path() + " hashes to "
              + HEX.formatHex(leaf));
        }
        if (append) {
          tree.append(leaf, 0, sink);
        }
      }
      return off;
    }

    /** The replayed tree has {@code size} leaves: hands its root to the hook if it asked. */
    private void reached(long size) throws Divergence, IOException {
      if (checkpoints.nextSize() != size) {
        return;
      }
      checkpoints.reached(size, tree.root());
      long next = checkpoints.nextSize();
      if (next >= 0 && next <= size) {
        throw new IllegalStateException("checkpoint sizes must increase, got " + next
            + " after " + size);
      }
    }

    /** Compares the replayed {@code tile} with the reader's. */
    private void compare(HashTile tile, byte[] replayed) throws Divergence, IOException {
      byte[] stored;
      try {
        stored = reader.readTile(tile);
      } catch (NoSuchFileException | MalformedObjectException e) {
        throw new Divergence(e.getMessage(), e);
      }
      if (stored.length != replayed.length) {
        throw new Divergence(reader.describe() + " gave " + stored.length + " bytes for tile "
            + tile.path() + ", expected " + replayed.length);
      }
      int at = Arrays.mismatch(replayed, stored);
      if (at >= 0) {
        int i = at / Hash.SIZE;
        long node = tile.index() * TilePath.FULL_WIDTH + i;
        int level = tile.level() * 8;
        throw new Divergence("tile " + tile.path() + ": hash " + i + " (the subtree of entries "
            + (node << level) + " to " + (((node + 1) << level) - 1) + ") is " + hex(stored, i)
            + " but the entries give " + hex(replayed, i));
      }
    }
  }

  private static String hex(byte[] hashes, int i) {
    return HEX.formatHex(hashes, i * Hash.SIZE, (i + 1) * Hash.SIZE);
  }
}
