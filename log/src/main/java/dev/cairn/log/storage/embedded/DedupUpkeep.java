package dev.cairn.log.storage.embedded;

import dev.cairn.log.storage.Lease;
import dev.cairn.log.storage.StorageException;
import dev.cairn.log.storage.StorageException.Kind;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import dev.cairn.read.LogReader;
import dev.cairn.tile.HashTile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the dedup index up with the sequence log it is derived from. Its writes are not synced,
 * so a crash, a failed write or a reopen of RocksDB can leave it behind the log (its watermark
 * says how far it goes), and a lost index is empty: before a commit looks a batch up, the index
 * is brought up to the sequenced size from the level-0 tiles (up to the integrated size) and the
 * sequence log (beyond it). So a lookup never misses an entry that is in the log. Used by one
 * committer at a time.
 */
final class DedupUpkeep {
  private static final Logger LOG = LoggerFactory.getLogger(DedupUpkeep.class);
  /** A catch-up of at least this many entries is logged, with how long it took. */
  private static final long LONG_CATCH_UP = 1_000_000;

  /** Reads the sequence log from a size on, as {@link Lease#replay} does. */
  @FunctionalInterface
  interface SequenceLogReader {
    void replay(long size, Lease.Batches batches) throws IOException;
  }

  private final DedupIndex dedup;
  private final LogReader tiles;
  private final SequenceLogReader log;
  /** Held while the sequence log is read: integration drops no segment meanwhile. */
  private final Lock segments;
  private final LongSupplier integrated;
  private boolean behind = true;
  /** How many entries the current catch-up found the index {@linkplain DedupIndex#holds held}. */
  private long held;

  DedupUpkeep(DedupIndex dedup, LogReader tiles, SequenceLogReader log, Lock segments,
      LongSupplier integrated) {
    this.dedup = dedup;
    this.tiles = tiles;
    this.log = log;
    this.segments = segments;
    this.integrated = integrated;
  }

  /** The index may be behind the log (an add failed, or what it covers is unknown). */
  void markBehind() {
    behind = true;
  }

  /**
   * The indices of {@code hashes} in the log of {@code sequenced} entries. The watermark is
   * checked after the lookup; on a failure the index catches up and is asked again (three
   * times: the attempt that reopens RocksDB learns that it did, the next one catches up).
   */
  Map<Hash, Long> lookUp(Collection<Hash> hashes, long sequenced) throws IOException {
    for (int attempt = 1; ; attempt++) {
      try {
        if (behind) {
          catchUp(sequenced);
        }
        Map<Hash, Long> found = dedup.lookup(hashes);
        long indexed = dedup.watermark();
        if (indexed != sequenced) {
          throw new IOException("the dedup index covers size " + indexed + ", not " + sequenced);
        }
        return found;
      } catch (StorageException e) {
        behind = true;
        if (e.kind().fatal() || attempt == 3) {
          throw e;
        }
      } catch (IOException | RuntimeException e) {
        behind = true;
        if (attempt == 3) {
          throw e;
        }
        LOG.debug("bringing the dedup index up to date after: {}", e.toString());
      }
    }
  }

  /** Indexes a committed batch's new entries; a failure leaves the index behind, not the log. */
  void committed(List<Hash> hashes, long first) {
    List<DedupIndex.Mapping> mappings = new ArrayList<>(hashes.size());
    for (int i = 0; i < hashes.size(); i++) {
      mappings.add(new DedupIndex.Mapping(hashes.get(i), first + i));
    }
    try {
      dedup.add(mappings, first + hashes.size());
    } catch (IOException | RuntimeException e) {
      behind = true;
      LOG.warn("couldn't update the dedup index; it catches up from the log: {}", e.toString());
    }
  }

  /**
   * Indexes every entry between the index's watermark and {@code size}: from the tiles up to
   * the integrated size, from the sequence log beyond it. Normally there is nothing to do; after
   * a crash or a failed index write it covers a few batches, after a lost index the whole log.
   * The segments lock is held throughout, so the sequence log still reaches back to the
   * integrated size read at the start.
   */
  void catchUp(long size) throws IOException {
    segments.lock();
    try {
      catchUpLocked(size);
    } finally {
      segments.unlock();
    }
  }

  private void catchUpLocked(long size) throws IOException {
    long from = dedup.watermark();
    if (from > size) {
      throw new StorageException(Kind.CORRUPT, "the dedup index covers size " + from
          + " but the log has only " + size + " entries");
    }
    if (from == 0 && size > 0) { // a new or lost index, indexing the whole log
      try {
        dedup.reserve(size);
      } catch (IOException | RuntimeException e) {
        // Only a hint: without it the partitions double as they fill, as in a running log.
        LOG.warn("couldn't size the dedup index for {} entries up front; it grows as it is"
            + " rebuilt: {}", size, e.toString());
      }
    }
    long started = System.nanoTime();
    long lacking = size - from;
    held = 0;
    if (lacking >= LONG_CATCH_UP) {
      // At start after an unclean stop of a large, busy log this can take minutes: say so.
      LOG.info("indexing the {} entries the dedup index lacks (from size {} to {})", lacking,
          from, size);
      // The log starts the copy once it is served; a catch-up inside the open starts it
      // here, so that the copy beside the indexing takes its page faults off this thread.
      dedup.warmInBackground();
    }
    long fromTiles = Math.min(size, integrated.getAsLong());
    while (from < fromTiles) {
      // The integrated entries' leaf hashes are in the level-0 tiles, which the tree commits
      // to: no bundle to parse and no entry to hash again.
      long tile = from >>> 8;
      int width = (int) Math.min(HashTile.FULL_WIDTH, fromTiles - tile * HashTile.FULL_WIDTH);
      byte[] leaves = tiles.readTile(new HashTile(0, tile, width));
      int skip = (int) (from - tile * HashTile.FULL_WIDTH);
      from = index(leaves, skip, width - skip, from);
    }
    Hasher hasher = Hasher.threadLocal();
    long[] next = {from};
    if (from < size) {
      log.replay(from, batch -> {
        List<byte[]> entries = batch.entries();
        int skip = (int) Math.max(0, next[0] - batch.start());
        if (batch.start() + skip != next[0]) {
          throw new StorageException(Kind.CORRUPT, "the sequence log does not reach back to"
              + " size " + next[0]);
        }
        byte[] leaves = new byte[(entries.size() - skip) * Hash.SIZE];
        for (int i = skip; i < entries.size(); i++) {
          hasher.leaf(entries.get(i)).copyTo(leaves, (i - skip) * Hash.SIZE);
        }
        next[0] = index(leaves, 0, entries.size() - skip, next[0]);
      });
    }
    if (next[0] != size) {
      throw new IOException("the dedup index could only be brought up to size " + next[0]
          + " of " + size);
    }
    behind = false;
    if (lacking >= LONG_CATCH_UP) {
      LOG.info("indexed {} entries for dedup in {} ms ({} of them it held already)", lacking,
          (System.nanoTime() - started) / 1_000_000, held);
    }
  }

  /**
   * Indexes the {@code count} leaf hashes from the {@code skip}th in {@code leaves} (back to
   * back, as in a level-0 tile), those of the log's entries from index {@code first}; returns
   * the index after them. What the index {@linkplain DedupIndex#holds holds} already is neither
   * looked up nor added.
   */
  private long index(byte[] leaves, int skip, int count, long first) throws IOException {
    byte[] lacking = new byte[count * Hash.SIZE];
    long[] indices = new long[count];
    int n = 0;
    for (int i = 0; i < count; i++) {
      int off = (skip + i) * Hash.SIZE;
      if (dedup.holds(leaves, off, first + i)) {
        held++;
      } else {
        System.arraycopy(leaves, off, lacking, n * Hash.SIZE, Hash.SIZE);
        indices[n++] = first + i;
      }
    }
    // A hash indexed at another index would mean the log holds one entry twice, which dedup
    // exists to prevent: refuse to go on rather than hide it.
    long[] known = new long[n];
    dedup.lookup(lacking, n, known);
    List<DedupIndex.Mapping> mappings = new ArrayList<>(n);
    for (int j = 0; j < n; j++) {
      if (known[j] >= 0 && known[j] != indices[j]) {
        throw new StorageException(Kind.CORRUPT, "entry " + indices[j] + " repeats entry "
            + known[j] + " (same leaf hash): the dedup index and the log disagree");
      }
      mappings.add(new DedupIndex.Mapping(Hash.copyOf(lacking, j * Hash.SIZE), indices[j]));
    }
    long next = first + count;
    dedup.add(mappings, next);
    return next;
  }
}
