package dev.cairn.log.storage.embedded;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.log.storage.StorageException;
import dev.cairn.log.storage.StorageException.Kind;
import dev.cairn.log.storage.StoredCheckpoint;
import dev.cairn.log.storage.TreeHead;
import dev.cairn.log.storage.Version;
import dev.cairn.merkle.Hash;
import dev.cairn.note.SignedNote;
import dev.cairn.read.LogReader;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The latest checkpoint and the history of every one, kept together in two embedded parts: the
 * {@link CheckpointStore} file is replaced first, then the {@link HistoryStore} is appended. A
 * crash or failure between the two leaves the history one behind; that is repaired — once the
 * stored checkpoint is shown to be backed by the tiles — before the latest is next read or
 * replaced, so every checkpoint ever stored is in the history. Versions are a digest of the
 * stored note. Thread-safe.
 */
final class LatestCheckpoint {
  private static final Logger LOG = LoggerFactory.getLogger(LatestCheckpoint.class);

  private final CheckpointStore checkpoints;
  private final HistoryStore history;
  /** The stored tiles, at any width within the integrated tree. */
  private final LogReader tiles;
  private final Supplier<TreeHead> integrated;
  /** The root of the sequence log's batch head of a size beyond the integrated one, if read. */
  private final LongFunction<Optional<Hash>> sequencedRoot;
  private final Clock clock;
  /** Held while the latest checkpoint is replaced or repaired. */
  private final ReentrantLock lock;
  /** Guarded by {@code lock}: a swap failed part-way, so whether it landed is unknown. */
  private boolean swapUnsure;

  /** Checks, under the lock, that the caller may still change the log (its lease is live). */
  @FunctionalInterface
  interface Permission {
    void check() throws StorageException;
  }

  LatestCheckpoint(CheckpointStore checkpoints, HistoryStore history, LogReader tiles,
      Supplier<TreeHead> integrated, LongFunction<Optional<Hash>> sequencedRoot, Clock clock,
      ReentrantLock lock) {
    this.lock = lock;
    this.sequencedRoot = sequencedRoot;
    this.checkpoints = checkpoints;
    this.history = history;
    this.tiles = tiles;
    this.integrated = integrated;
    this.clock = clock;
  }

  /** The stored latest checkpoint, as it is (a reader's view). */
  Optional<StoredCheckpoint> read() throws IOException {
    Optional<byte[]> note = checkpoints.latest();
    if (note.isEmpty()) {
      return Optional.empty();
    }
    long size = parse(note.get()).size();
    Instant time = history.bySize(size).map(CheckpointHistory.Entry::time)
        .orElseGet(clock::instant);
    return Optional.of(new StoredCheckpoint(note.get(), time, versionOf(note.get())));
  }

  /** The latest checkpoint, after finishing a swap that failed part-way; it is in the history. */
  Optional<StoredCheckpoint> settled(Permission permission) throws IOException {
    lock.lock();
    try {
      permission.check();
      settle();
      repairHistory();
      return read();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Replaces the latest checkpoint, then appends it to the history (see {@code Lease.swap} for
   * what is refused).
   */
  Version swap(Optional<Version> expected, Checkpoint checkpoint, byte[] note, Instant time,
      Permission permission) throws IOException {
    lock.lock();
    try {
      permission.check();
      settle();
      Optional<byte[]> current = checkpoints.latest();
      Optional<Version> now = current.map(LatestCheckpoint::versionOf);
      if (!now.equals(expected)) {
        throw new StorageException(Kind.CONFLICT, "the latest checkpoint is not the one this"
            + " publisher last saw: another process is publishing this log");
      }
      if (current.isPresent()) {
        Checkpoint c = parse(current.get());
        if (checkpoint.size() <= c.size()) {
          if (Arrays.equals(current.get(), note)) {
            return now.orElseThrow();
          }
          throw new StorageException(Kind.CONFLICT, "a checkpoint of size " + checkpoint.size()
              + " cannot follow the latest, of size " + c.size());
        }
        Optional<CheckpointHistory.Entry> last = history.last();
        if (last.isPresent() && time.isBefore(last.get().time())) {
          throw new StorageException(Kind.CONFLICT, "a checkpoint published at " + time
              + " cannot follow one published at " + last.get().time());
        }
      }
      TreeHead tree = integrated.get();
      if (checkpoint.size() > tree.size()
          || !checkpoint.root().equals(checkpoint.size() == tree.size() ? tree.root()
              : tiles.treeHash(checkpoint.size()))) {
        throw new StorageException(Kind.CONFLICT, "the checkpoint of size " + checkpoint.size()
            + " and root " + checkpoint.root() + " is not backed by the object store, which"
            + " holds the tree up to size " + tree.size() + " (root " + tree.root() + ")");
      }
      // Until both writes are done, a failure leaves it unknown whether the swap landed.
      swapUnsure = true;
      boolean swapped = current.isEmpty() ? checkpoints.create(note)
          : checkpoints.compareAndSwap(current.get(), note);
      if (!swapped) {
        swapUnsure = false;
        throw new StorageException(Kind.CONFLICT, "the latest checkpoint changed during the"
            + " swap: another process is publishing this log");
      }
      history.append(new CheckpointHistory.Entry(checkpoint.size(), time, note));
      swapUnsure = false;
      return versionOf(note);
    } finally {
      lock.unlock();
    }
  }

  /**
   * After a swap that failed part-way: the stored checkpoint may have been renamed into place
   * without a durable directory entry, and may lack its history entry. Writing it again makes
   * it durable; the history then gets it.
   */
  private void settle() throws IOException {
    if (!swapUnsure) {
      return;
    }
    Optional<byte[]> current = checkpoints.latest();
    if (current.isPresent()) {
      if (!checkpoints.compareAndSwap(current.get(), current.get())) {
        throw new StorageException(Kind.CONFLICT, "the latest checkpoint changed under this"
            + " publisher: another process is publishing this log");
      }
      repairHistory();
    }
    swapUnsure = false;
  }

  /**
   * Appends the latest checkpoint to the history if a crash came between the two writes — once
   * it is shown to be backed by the object store (no larger than the integrated tree, and the
   * tiles give its root), so that nothing the data cannot back enters the history.
   */
  void repairHistory() throws IOException {
    Optional<byte[]> stored = checkpoints.latest();
    if (stored.isEmpty()) {
      if (history.last().isPresent()) {
        throw new StorageException(Kind.CORRUPT, "the history holds checkpoints but the latest"
            + " checkpoint is missing");
      }
      return;
    }
    Checkpoint c = parse(stored.get());
    Optional<CheckpointHistory.Entry> last = history.last();
    if (last.isPresent() && last.get().size() > c.size()) {
      throw new StorageException(Kind.CORRUPT, "the history holds size " + last.get().size()
          + ", beyond the latest checkpoint at size " + c.size());
    }
    if (last.isPresent() && last.get().size() == c.size()) {
      return;
    }
    TreeHead tree = integrated.get();
    Optional<Hash> sequenced = c.size() > tree.size() ? sequencedRoot.apply(c.size())
        : Optional.empty();
    if (c.size() > tree.size() && sequenced.isEmpty()) {
      throw new StorageException(Kind.CORRUPT, "the stored checkpoint has size " + c.size()
          + " but the object store holds only " + tree.size() + " entries");
    }
    // Beyond the integrated tree (objects synced late, not yet rewritten after a crash), the
    // sequence log's head of that size backs it.
    Hash root = sequenced.isPresent() ? sequenced.get() : tiles.treeHash(c.size());
    if (!root.equals(c.root())) {
      throw new StorageException(Kind.CORRUPT, "the stored checkpoint at size " + c.size()
          + " has root " + c.root() + " but the stored tiles give " + root);
    }
    if (last.isPresent()) {
      Checkpoint before = parse(last.get().note());
      if (!before.origin().equals(c.origin())) {
        throw new StorageException(Kind.CORRUPT, "the stored checkpoint is for origin \""
            + c.origin() + "\", but the history's for \"" + before.origin() + "\"");
      }
    }
    LOG.warn("the history lacks the latest checkpoint (size {}); appending it", c.size());
    Instant time = clock.instant();
    if (last.isPresent() && time.isBefore(last.get().time())) {
      time = last.get().time();
    }
    history.append(new CheckpointHistory.Entry(c.size(), time, stored.get()));
  }

  static Checkpoint parse(byte[] note) throws StorageException {
    try {
      return Checkpoint.parse(SignedNote.parse(note).text());
    } catch (RuntimeException e) {
      throw new StorageException(Kind.CORRUPT, "the stored checkpoint is unreadable: "
          + e.getMessage(), e);
    }
  }

  private static Version versionOf(byte[] note) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(note);
      return new Version(HexFormat.of().formatHex(d, 0, 16));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
