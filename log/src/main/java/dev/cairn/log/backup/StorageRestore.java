package dev.cairn.log.backup;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.log.replay.Progress;
import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.log.storage.Coordinator;
import dev.cairn.log.storage.Lease;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.TreeHead;
import dev.cairn.log.storage.Version;
import dev.cairn.log.storage.embedded.CheckpointPartials;
import dev.cairn.merkle.Hasher;
import dev.cairn.merkle.RightEdge;
import dev.cairn.note.SignedNote;
import dev.cairn.tile.EntryBundle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Restores a backup into a log's storage seams — a {@link Coordinator} and an {@link
 * ObjectStore}, such as a cluster's PostgreSQL database and bucket — through the calls the log
 * itself makes, under a lease. The keys are not restored here: a node keeps them in its data
 * directory.
 *
 * <p>The order, each step durable before the next: the tiles and bundles, and the partial tiles
 * the history's checkpoints need; every entry committed in order ({@link Lease#assign}, which
 * also records its deduplication) and integrated ({@link Lease#integrate}), in groups; every
 * checkpoint of the history swapped in, oldest first ({@link Lease#swap}, which checks each
 * against the tiles); the checkpoint object last.
 *
 * <p>The lease is the restore's marker: it is released only once the restore finished, so the
 * caller takes it with a lifetime longer than any restore. After an interruption no node can
 * integrate or publish the half-restored log (which would sign a prefix of it and then fork it)
 * until the lease is taken from the restore on purpose, by a forced restore.
 */
public final class StorageRestore {
  /** Entry bundles per commit: 4,096 entries. */
  private static final int BUNDLES_PER_COMMIT = 16;

  private StorageRestore() {}

  /**
   * Restores the backup in {@code backup} into {@code coordinator} and {@code objects}, which
   * must hold no log (the caller checks, and empties them for a forced restore).
   *
   * @param holder the lease holder's name, which nodes report while the restore runs
   * @throws IOException if the backup fails its manifest, the lease is held, the coordinator
   *     already holds a log, or writing fails (the lease is then kept: see the class comment)
   */
  public static Restore.Result run(Path backup, Coordinator coordinator, ObjectStore objects,
      String holder, Progress progress) throws IOException {
    BackupSource source = BackupSource.open(backup);
    BackupManifest m = source.manifest();
    m.check(backup, progress);
    Lease lease = coordinator.acquire(holder);
    if (lease.sequenced().size() > 0 || coordinator.latest().isPresent()) {
      lease.close(); // nothing was written
      throw new IOException("the log's storage is not empty: it holds sequenced entries or a"
          + " checkpoint");
    }
    long files = Restore.restoreObjects(backup, objects, m, progress);
    CheckpointPartials.write(objects, m.size(), source.history(), -1);
    commit(source, lease, m, progress);
    swapHistory(source, lease, progress);
    objects.publishCheckpoint(Files.readAllBytes(backup.resolve(m.checkpointFile())));
    lease.close();
    return new Restore.Result(m, files);
  }

  /** Commits and integrates every entry, a group of bundles at a time. */
  private static void commit(BackupSource source, Lease lease, BackupManifest m,
      Progress progress) throws IOException {
    long size = m.size();
    progress.start("committing entries", size, "entries");
    Hasher hasher = new Hasher();
    RightEdge edge = new RightEdge();
    for (long first = 0; first < size; first += BUNDLES_PER_COMMIT * EntryBundle.FULL_WIDTH) {
      List<Lease.Submission> batch = new ArrayList<>();
      long end = Math.min(size, first + BUNDLES_PER_COMMIT * EntryBundle.FULL_WIDTH);
      for (long b = first / EntryBundle.FULL_WIDTH; b * EntryBundle.FULL_WIDTH < end; b++) {
        int width = (int) Math.min(EntryBundle.FULL_WIDTH, end - b * EntryBundle.FULL_WIDTH);
        for (byte[] e : source.reader().entries(new EntryBundle(b, width))) {
          batch.add(new Lease.Submission(e, hasher.leaf(e)));
        }
      }
      long start = edge.size();
      TreeHead head = lease.assign(batch, (from, entries, leafHashes) -> {
        if (from != edge.size()) {
          throw new IllegalStateException("the coordinator extends the tree from size " + from
              + ", not " + edge.size());
        }
        leafHashes.forEach(edge::append);
        return new TreeHead(edge.size(), edge.root());
      }).head();
      if (head.size() != end) {
        throw new IOException("the backup's entries below " + end + " commit to a tree of size "
            + head.size() + ": it holds an entry twice; run `cairn verify --data` on it");
      }
      // The objects are all durable already: integration only records the head.
      lease.integrate(start, from -> head);
      progress.advance(end);
    }
    progress.finish();
    if (!edge.root().equals(m.root())) {
      throw new IOException("the backup's entries give root " + edge.root() + " at size " + size
          + ", its manifest says " + m.root() + ": run `cairn verify --data` on it");
    }
  }

  /** Swaps every checkpoint of the history in, oldest first, with its publication time. */
  private static void swapHistory(BackupSource source, Lease lease, Progress progress)
      throws IOException {
    progress.start("restoring the checkpoint history", 0, "checkpoints");
    Optional<Version> version = Optional.empty();
    long after = -1;
    long restored = 0;
    while (true) {
      List<CheckpointHistory.Entry> page = source.history().list(after,
          HistorySegments.SEGMENT, Instant.EPOCH, Instant.MAX);
      if (page.isEmpty()) {
        break;
      }
      for (CheckpointHistory.Entry e : page) {
        Checkpoint c;
        try {
          c = Checkpoint.parse(SignedNote.parse(e.note()).text());
        } catch (IllegalArgumentException ex) {
          throw new IOException("the backup's checkpoint at size " + e.size()
              + " is unreadable: " + ex.getMessage());
        }
        version = Optional.of(lease.swap(version, c, e.note(), e.time()));
      }
      after = page.getLast().size();
      restored += page.size();
      progress.advance(restored);
    }
    progress.finish();
  }
}
