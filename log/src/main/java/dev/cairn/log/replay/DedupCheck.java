package dev.cairn.log.replay;

import dev.cairn.log.storage.embedded.DedupIndex;
import dev.cairn.merkle.Hash;
import dev.cairn.read.Divergence;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Checks that a dedup index maps every entry's leaf hash below its watermark to the entry's
 * index (or an earlier copy's), fed the leaf hashes in log order.
 *
 * <p>It looks them up a chunk at a time, sorted: leaf hashes are random, so a table larger than
 * the caches (10 GB at 100 M entries) costs a lookup in log order a TLB miss, a page-table walk
 * and often a page fault each. Sorted by their first eight bytes, which is the order of their
 * partitions and slots in a {@link dev.cairn.log.storage.embedded.HashDedupIndex}, a chunk's
 * lookups walk each table from start to end, and the larger the chunk, the more of them share a
 * page: at 100 M entries, on one core, the page cache warm, {@code verify} replayed 0.63–0.70 M
 * entries/s looking up in log order, 0.78 M/s in sorted chunks of 1 M entries and 1.07–1.33 M/s
 * in chunks of 4 M (docs/benchmarks.md).
 */
final class DedupCheck {
  /** The most entries a chunk holds: 80 bytes each while it is checked, 320 MiB in all. */
  static final int MAX_CHUNK = 1 << 22;
  private static final int POSITION_BITS = 22;
  private static final long POSITION = (1L << POSITION_BITS) - 1;

  private final DedupIndex index;
  private final long watermark;
  private final byte[] keys;
  private final byte[] sorted;
  private final long[] order;
  private final long[] mapped;
  /** The index of the chunk's first entry, and how many it holds. */
  private long first;
  private int count;
  /** The index the next entry added must have, once one was. */
  private long next = -1;

  /**
   * A check of {@code index} below {@code watermark} over a log of {@code size} entries, in the
   * largest chunks that take at most an eighth of the heap (4,096 to {@link #MAX_CHUNK}
   * entries), and no larger than the entries below the watermark, the only ones it looks up.
   */
  static DedupCheck of(DedupIndex index, long watermark, long size) {
    long fit = Runtime.getRuntime().maxMemory() / 8 / (2L * Hash.SIZE + 16);
    long chunk = Math.min(Math.max(4096, Math.min(MAX_CHUNK, fit)), Math.min(size, watermark));
    return new DedupCheck(index, watermark, (int) Math.max(1, chunk));
  }

  /** A check of {@code index} below {@code watermark}, in chunks of {@code chunk} entries. */
  DedupCheck(DedupIndex index, long watermark, int chunk) {
    if (chunk < 1 || chunk > MAX_CHUNK) {
      throw new IllegalArgumentException("a chunk is 1 to " + MAX_CHUNK + " entries, not "
          + chunk);
    }
    this.index = index;
    this.watermark = watermark;
    this.keys = new byte[chunk * Hash.SIZE];
    this.sorted = new byte[chunk * Hash.SIZE];
    this.order = new long[chunk];
    this.mapped = new long[chunk];
  }

  /**
   * Adds the leaf hashes of the {@code count} entries from index {@code from}, packed back to
   * back; they follow the ones added before. Those from the watermark on are skipped: a lookup
   * finds no mapping from there on ({@link DedupIndex}), so none of theirs can be wrong.
   *
   * @throws Divergence if a chunk this completes has a wrong mapping: the lowest entry's
   */
  void add(long from, byte[] leafHashes, int count) throws Divergence, IOException {
    if (next >= 0 && from != next) {
      throw new IllegalArgumentException("entry " + from + " does not follow entry "
          + (next - 1));
    }
    next = from + count;
    count = (int) Math.max(0, Math.min(count, watermark - from));
    int capacity = order.length;
    for (int done = 0; done < count; ) {
      if (this.count == 0) {
        first = from + done;
      }
      int n = Math.min(count - done, capacity - this.count);
      System.arraycopy(leafHashes, done * Hash.SIZE, keys, this.count * Hash.SIZE,
          n * Hash.SIZE);
      this.count += n;
      done += n;
      if (this.count == capacity) {
        finish();
      }
    }
  }

  /**
   * Checks the entries added since the last full chunk.
   *
   * @throws Divergence if one is mapped wrong: the lowest entry's
   */
  void finish() throws Divergence, IOException {
    if (count == 0) {
      return;
    }
    ByteBuffer in = ByteBuffer.wrap(keys);
    for (int i = 0; i < count; i++) {
      // The first eight bytes, their low bits traded for the position; signed order flipped to
      // unsigned.
      order[i] = ((in.getLong(i * Hash.SIZE) & ~POSITION) | i) ^ Long.MIN_VALUE;
    }
    Arrays.sort(order, 0, count);
    for (int j = 0; j < count; j++) {
      System.arraycopy(keys, position(j) * Hash.SIZE, sorted, j * Hash.SIZE, Hash.SIZE);
    }
    index.lookup(sorted, count, mapped);
    long wrong = -1;
    long wrongMapped = 0;
    for (int j = 0; j < count; j++) {
      long entry = first + position(j);
      long m = mapped[j];
      if ((m < 0 ? entry < watermark : m > entry) && (wrong < 0 || entry < wrong)) {
        wrong = entry;
        wrongMapped = m;
      }
    }
    count = 0;
    if (wrong >= 0) {
      throw new Divergence("the dedup index " + (wrongMapped < 0 ? "lacks entry " + wrong
          + " (below its watermark " + watermark + ")" : "maps entry " + wrong
          + "'s leaf hash to index " + wrongMapped) + ": a resubmission would get the wrong"
          + " answer");
    }
  }

  private int position(int j) {
    return (int) (order[j] & POSITION);
  }
}
