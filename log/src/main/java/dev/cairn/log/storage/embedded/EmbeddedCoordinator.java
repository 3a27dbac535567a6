package dev.cairn.log.storage.embedded;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.log.storage.Coordinator;
import dev.cairn.log.storage.Lease;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.ObjectStoreReader;
import dev.cairn.log.storage.SequencedBatch;
import dev.cairn.log.storage.StorageException;
import dev.cairn.log.storage.StorageException.Kind;
import dev.cairn.log.storage.StoredCheckpoint;
import dev.cairn.log.storage.TreeHead;
import dev.cairn.log.storage.TreeTiles;
import dev.cairn.log.storage.Version;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import dev.cairn.note.SignedNote;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Coordinator} of a log in one data directory, built from the embedded parts: the
 * {@link SequenceLog} is the commit point of batches, the {@link DedupIndex} (RocksDB) maps leaf
 * hashes to indices, the {@link TreeStateStore} records the integrated head, the {@link
 * CheckpointStore} holds the latest checkpoint and the {@link HistoryStore} every one.
 *
 * <p>The lease is trivial: the data directory's lock keeps every other process out, so a lease
 * only ever passes between holders in this process, and its epoch counts from one at each open.
 *
 * <p>Commit and deduplication. The sequence log is the commit point; the dedup index is derived
 * from it (its writes are not synced) and records how far it goes, its watermark. A commit looks
 * the batch up, appends it to the sequence log, then indexes it; when the index is behind — a
 * failed index write, a crash that lost its unsynced tail, a lost index — it is brought up to
 * the sequenced size from the bundles and the sequence log before the next lookup, so a lookup
 * never misses an entry that is in the log.
 *
 * <p>Integration. With an object store that syncs late ({@link LocalObjectStore#syncDelay}),
 * an integration writes the objects and moves the integrated head at once — checkpoints are
 * signed over it — but the tree state records a head only once its objects are synced, about
 * the delay later, when the kernel has written them back itself; the sequence log keeps the
 * batches beyond the recorded head meanwhile. After a crash the log replays them and writes
 * their objects again, replacing any a crash tore ({@link LocalObjectStore#repairBetween}).
 *
 * <p>Publication. The checkpoint file is replaced first, then the history is appended; a crash
 * or a failure between the two is repaired (the history gets the stored checkpoint) when the
 * coordinator opens and before the lease's next {@link Lease#latest} or {@link Lease#swap}.
 */
public final class EmbeddedCoordinator implements Coordinator {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedCoordinator.class);

  /**
   * The parts a coordinator is built from, and what closes them.
   *
   * @param log the sequence log
   * @param dedup the dedup index
   * @param treeState the integrated tree head
   * @param checkpoints the latest checkpoint
   * @param history every published checkpoint
   * @param objects the object store, whose bundles rebuild a lagging dedup index
   * @param onClose closes the parts
   */
  public record Parts(SequenceLog log, DedupIndex dedup, TreeStateStore treeState,
      CheckpointStore checkpoints, HistoryStore history, ObjectStore objects,
      AutoCloseable onClose) {}

  private final Parts parts;
  private final LatestCheckpoint latest;
  private final DedupUpkeep dedup;

  private final Object leases = new Object();
  private long epoch;
  private EmbeddedLease live;
  private boolean closed;

  /** Held while committing a batch. */
  private final ReentrantLock commit = new ReentrantLock();
  /** Held while reading or dropping sequence log segments, which must not overlap. */
  private final ReentrantLock segments = new ReentrantLock();
  /** Held while integrating. */
  private final ReentrantLock integrating = new ReentrantLock();
  /** Held while the latest checkpoint is replaced. */
  private final ReentrantLock publishing = new ReentrantLock();

  private volatile TreeHead sequenced;
  private volatile TreeHead integrated;
  /** The head the tree state records; guarded by integrating. */
  private TreeHead durable;
  /** The object store if it syncs late, else null. */
  private final LocalObjectStore late;
  /** The object store if it is local (syncing late or not), else null. */
  private final LocalObjectStore local;
  /**
   * The sequenced size at the open while objects a crash may have torn are being written again,
   * else -1; guarded by integrating.
   */
  private long repairedAt = -1;
  /** The recorded size at the open while {@link #repairedAt} is set. */
  private long repairFrom;
  /** Whether the partial tiles up to {@link #repairedAt} were written again. */
  private boolean partialsRewritten;
  /** Set once a sync of objects failed: none is recorded again; guarded by integrating. */
  private StorageException syncFailed;
  /** Integrated heads whose objects are not synced yet, oldest first; guarded by integrating. */
  private final ArrayDeque<Unsynced> unsynced = new ArrayDeque<>();
  /**
   * While opening, the roots of the sequence log's batch heads beyond the recorded head, by
   * size: they back a latest checkpoint beyond it (published over objects not yet synced).
   */
  private Map<Long, Hash> replayedRoots = new HashMap<>();

  /** A head integrated at {@code at} (nanoTime) whose objects are those up to {@code mark}. */
  private record Unsynced(TreeHead head, long mark, long at) {}
  // Guarded by commit.
  private boolean commitFailed;
  private boolean sequencedUnknown;
  // Guarded by integrating.
  private boolean dropFailing;

  private EmbeddedCoordinator(Parts parts, Clock clock, TreeHead integrated,
      TreeHead sequenced) {
    this.parts = parts;
    this.integrated = integrated;
    this.durable = integrated;
    this.sequenced = sequenced;
    this.local = parts.objects() instanceof LocalObjectStore l ? l : null;
    this.late = local != null && local.syncDelay().isPositive() ? local : null;
    TreeTiles tiles = new TreeTiles(new ObjectStoreReader(parts.objects(), "the object store"),
        () -> this.integrated.size());
    this.latest = new LatestCheckpoint(parts.checkpoints(), parts.history(), tiles,
        () -> this.integrated, size -> Optional.ofNullable(
        replayedRoots == null ? null : replayedRoots.get(size)), clock,
        publishing);
    this.dedup = new DedupUpkeep(parts.dedup(), tiles, this::replayLog, segments,
        () -> this.integrated.size());
  }

  /**
   * Opens the coordinator over {@code parts} and repairs what a crash can leave half done: the
   * sequenced head is read from the sequence log (which must continue the integrated head
   * without a gap), the latest checkpoint is appended to the history if it is missing there,
   * and the dedup index is brought up to the sequenced size.
   *
   * @throws StorageException if the parts cannot be read, or of kind {@code CORRUPT} if they
   *     contradict each other
   */
  public static EmbeddedCoordinator open(Parts parts, Clock clock) throws IOException {
    try {
      TreeHead integrated = parts.treeState().load()
          .orElse(new TreeHead(0, Hasher.emptyRoot()));
      EmbeddedCoordinator c = new EmbeddedCoordinator(parts, clock, integrated, integrated);
      if (c.late != null) {
        c.late.keepPartialsOf(integrated.size()); // a start recovers from its partial tiles
      }
      c.sequenced = c.readSequenced();
      if (c.local != null && c.local.stoppedUnsynced()) {
        // The last process stopped with objects beyond the recorded head not synced, so a
        // crash of the machine may have torn them: the replay writes them again.
        c.local.repairBetween(integrated.size(), c.sequenced.size());
        c.repairFrom = integrated.size();
        c.repairedAt = c.sequenced.size();
        LOG.info("the last stop left tiles beyond size {} unsynced: the replay up to size {}"
            + " writes them again", integrated.size(), c.sequenced.size());
      }
      c.latest.repairHistory();
      c.replayedRoots = null;
      c.commit.lock();
      try {
        c.dedup.catchUp(c.sequenced.size());
      } finally {
        c.commit.unlock();
      }
      return c;
    } catch (IOException e) {
      throw FileErrors.wrap(e);
    }
  }

  /**
   * The head after the last committed batch, read from the sequence log. The integrated head is
   * read under the segments lock, so that no integration drops the batches after it meanwhile.
   */
  private TreeHead readSequenced() throws IOException {
    segments.lock();
    try {
      TreeHead[] last = {integrated};
      replayLog(last[0].size(), batch -> {
        if (batch.start() > last[0].size()) {
          throw new StorageException(Kind.CORRUPT, "the sequence log jumps from size "
              + last[0].size() + " to " + batch.start() + ": entries are missing");
        }
        last[0] = batch.head();
        if (replayedRoots != null) {
          replayedRoots.put(batch.head().size(), batch.head().root());
        }
      });
      return last[0];
    } finally {
      segments.unlock();
    }
  }

  private void replayLog(long size, Lease.Batches batches) throws IOException {
    segments.lock();
    try {
      parts.log().replay(size, batches::batch);
    } finally {
      segments.unlock();
    }
  }

  @Override
  public Lease acquire(String holder) throws IOException {
    synchronized (leases) {
      if (closed) {
        throw new StorageException(Kind.FENCED, "the coordinator is closed");
      }
      if (live != null && !live.ended) {
        throw new StorageException(Kind.FENCED, "the log is sequenced by " + live.holder
            + " (lease epoch " + live.epoch + ")");
      }
      live = new EmbeddedLease(++epoch, holder);
      return live;
    }
  }

  @Override
  public Optional<StoredCheckpoint> latest() throws IOException {
    try {
      return latest.read();
    } catch (IOException e) {
      throw FileErrors.wrap(e);
    }
  }

  @Override
  public CheckpointHistory history() {
    return parts.history();
  }

  @Override
  public Map<Hash, Long> lookup(Collection<Hash> leafHashes) throws IOException {
    try {
      return parts.dedup().lookup(leafHashes);
    } catch (IOException e) {
      throw FileErrors.wrap(e);
    }
  }

  @Override
  public TreeHead integrated() {
    return integrated;
  }

  @Override
  public void close() throws IOException {
    synchronized (leases) {
      closed = true;
      if (live != null) {
        live.ended = true;
      }
    }
    integrating.lock();
    try {
      if (late != null) {
        syncDue(true); // so that the next start replays nothing
        late.syncAll(); // with what a failed integration linked
        if (repairedAt < 0) {
          late.markSynced(); // the next open trusts all (not while a repair is unfinished)
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("couldn't sync the objects integrated up to size {} (the next start writes them"
          + " again from the sequence log): {}", integrated.size(), e.toString());
    } finally {
      integrating.unlock();
    }
    try {
      parts.onClose().close();
    } catch (IOException e) {
      throw FileErrors.wrap(e);
    } catch (Exception e) {
      throw new IOException(e);
    }
  }

  /** Fails unless {@code lease} is the live one. */
  private void checkLive(EmbeddedLease lease) throws StorageException {
    synchronized (leases) {
      if (lease.ended || lease != live) {
        throw new StorageException(Kind.FENCED, "the lease of " + lease.holder + " (epoch "
            + lease.epoch + ") has ended" + (live != null && live != lease && !live.ended
            ? "; " + live.holder + " holds epoch " + live.epoch : ""));
      }
    }
  }

  // ---- Commit -------------------------------------------------------------------------------

  private Lease.Assignment assign(EmbeddedLease lease, List<Lease.Submission> batch,
      Lease.Extension extension) throws IOException {
    commit.lock();
    try {
      checkLive(lease);
      if (sequencedUnknown) {
        sequenced = readSequenced();
        sequencedUnknown = false;
        dedup.markBehind();
      }
      TreeHead before = sequenced;
      if (batch.isEmpty()) {
        if (commitFailed) {
          // A probe after a failed append: prove that the sequence log takes appends again.
          append(new SequencedBatch(before.size(), List.of(), before));
        }
        return new Lease.Assignment(new long[0], new boolean[0], before);
      }
      long[] indices = new long[batch.size()];
      boolean[] duplicates = new boolean[batch.size()];
      List<Hash> asked = new ArrayList<>(batch.size());
      for (Lease.Submission sub : batch) {
        asked.add(sub.leafHash());
      }
      Map<Hash, Long> existing = dedup.lookUp(asked, before.size());
      Map<Hash, Long> fresh = new HashMap<>();
      List<byte[]> entries = new ArrayList<>(batch.size());
      List<Hash> hashes = new ArrayList<>(batch.size());
      long next = before.size();
      for (int i = 0; i < batch.size(); i++) {
        Lease.Submission s = batch.get(i);
        Long known = existing.get(s.leafHash());
        if (known == null) {
          known = fresh.get(s.leafHash());
        }
        if (known != null) {
          indices[i] = known;
          duplicates[i] = true;
          continue;
        }
        indices[i] = next;
        fresh.put(s.leafHash(), next++);
        entries.add(s.entry());
        hashes.add(s.leafHash());
      }
      if (entries.isEmpty()) {
        return new Lease.Assignment(indices, duplicates, before);
      }
      TreeHead head = extension.extend(before.size(), entries, hashes);
      if (head.size() != next) {
        throw new IllegalStateException("the extension says size " + head.size() + " after "
            + entries.size() + " entries from " + before.size());
      }
      // The commit: from this durable append on, the indices are final.
      append(new SequencedBatch(before.size(), entries, head));
      sequenced = head;
      // Committed: a failure to index only leaves the index to catch up before the next lookup.
      dedup.committed(hashes, before.size());
      return new Lease.Assignment(indices, duplicates, head);
    } catch (IOException e) {
      throw FileErrors.wrap(e);
    } finally {
      commit.unlock();
    }
  }

  /**
   * Appends to the sequence log. A failed append may still have landed (the record is cut off
   * by the local log, but another implementation may not know): the sequenced head is read
   * back before the next commit.
   */
  private void append(SequencedBatch batch) throws IOException {
    try {
      parts.log().append(batch);
      commitFailed = false;
    } catch (IOException | RuntimeException e) {
      commitFailed = true;
      sequencedUnknown = true;
      dedup.markBehind();
      throw e;
    }
  }

  // ---- Integration --------------------------------------------------------------------------

  private TreeHead integrate(EmbeddedLease lease, long fromSize, Lease.Integration integration)
      throws IOException {
    integrating.lock();
    try {
      checkLive(lease);
      TreeHead from = integrated;
      if (from.size() != fromSize) {
        throw new StorageException(Kind.CONFLICT, "integrating from size " + fromSize
            + ", but the object store holds the tree up to size " + from.size());
      }
      if (late != null) {
        syncDue(false); // first: a failure then changes nothing
      }
      TreeHead head = integration.write(from);
      checkLive(lease);
      if (head.size() < from.size() || head.size() > sequenced.size()) {
        throw new StorageException(Kind.CONFLICT, "cannot integrate up to size " + head.size()
            + ": the integrated size is " + from.size() + " and the sequenced "
            + sequenced.size());
      }
      if (repairedAt >= 0 && !partialsRewritten && head.size() >= repairedAt) {
        local.rewritePartials(repairFrom, repairedAt, publishedBetween(repairFrom, repairedAt));
        partialsRewritten = true;
        long torn = local.replaced();
        if (torn > 0) {
          LOG.warn("{} tiles and bundles beyond size {} were not what the log wrote before it"
              + " stopped (a crash of the machine tore them): written again", torn, repairFrom);
        } else {
          LOG.info("the tiles beyond size {} were whole: none was written again", repairFrom);
        }
      }
      if (late != null) {
        integrated = head;
        unsynced.addLast(new Unsynced(head, late.created(), System.nanoTime()));
        return head;
      }
      // The crash-safe order: the objects are durable (above), then the head that claims
      // them, then the sequence log may forget the batches they hold.
      parts.treeState().save(head);
      integrated = head;
      durable = head;
      if (repairedAt >= 0 && durable.size() >= repairedAt) {
        local.repaired();
        local.markSynced(); // nothing is left unsynced
        repairedAt = -1;
      }
      dropThrough(head.size());
      return head;
    } catch (IOException e) {
      throw FileErrors.wrap(e);
    } finally {
      integrating.unlock();
    }
  }

  /** The sizes of the checkpoints published within (from, through], the latest included. */
  private List<Long> publishedBetween(long from, long through) throws IOException {
    List<Long> sizes = new ArrayList<>();
    long after = from;
    List<CheckpointHistory.Entry> page;
    do {
      page = parts.history().list(after, 1000, Instant.EPOCH, Instant.MAX);
      for (CheckpointHistory.Entry e : page) {
        if (e.size() <= through) {
          sizes.add(e.size());
        }
        after = e.size();
      }
    } while (page.size() == 1000 && after < through);
    Optional<byte[]> stored = parts.checkpoints().latest();
    if (stored.isPresent()) {
      sizes.add(LatestCheckpoint.parse(stored.get()).size());
    }
    return sizes;
  }

  /**
   * Syncs the objects of the integrated heads that are due ({@code all}, or integrated at
   * least the store's delay ago), records the newest of those heads in the tree state, and lets
   * the sequence log drop what it covers. Called with {@link #integrating} held.
   */
  private void syncDue(boolean all) throws IOException {
    long now = System.nanoTime();
    long delay = late.syncDelay().toNanos();
    Unsynced due = null;
    while (!unsynced.isEmpty() && (all || now - unsynced.peekFirst().at() >= delay)) {
      due = unsynced.pollFirst();
    }
    if (due == null) {
      return;
    }
    if (syncFailed != null) {
      unsynced.addFirst(due);
      throw syncFailed;
    }
    try {
      late.syncThrough(due.mark());
    } catch (IOException | RuntimeException e) {
      // A later sync could succeed with pages the kernel dropped after a failed writeback:
      // only writing the objects again makes them durable, which the next start does.
      unsynced.addFirst(due);
      syncFailed = new StorageException(Kind.CORRUPT, "syncing the tiles and bundles written"
          + " beyond size " + durable.size() + " failed, so the kernel may have lost some of"
          + " them: the next start writes them again from the sequence log, and nothing is"
          + " integrated until then (restart once the storage is healthy): " + e, e);
      throw syncFailed;
    }
    try {
      // A start recovers from the recorded head's partial tiles: kept from here on (with the
      // old head's until the tree state moves), and cut again if a publication deleted them.
      late.keepPartialsOf(durable.size(), due.head().size());
      late.ensurePartialsOf(due.head().size());
      parts.treeState().save(due.head());
    } catch (IOException | RuntimeException e) {
      unsynced.addFirst(due); // covers those polled before it; their objects are synced
      throw e;
    }
    durable = due.head();
    try {
      late.keepPartialsOf(durable.size());
    } catch (IOException e) {
      // Costs only disk space: those partial tiles are correct, and unused.
      LOG.warn("couldn't delete partial tiles no longer needed: {}", e.toString());
    }
    if (repairedAt >= 0 && durable.size() >= repairedAt) {
      late.repaired(); // what a crash may have torn is written again, and synced
      repairedAt = -1;
    }
    dropThrough(due.head().size());
  }

  /**
   * Lets the sequence log drop what the object store now holds. A failure costs only disk
   * space (the batches are dropped at the next integration) and is logged when it starts and
   * when it ends.
   */
  private void dropThrough(long size) {
    segments.lock();
    try {
      parts.log().dropThrough(size);
      if (dropFailing) {
        dropFailing = false;
        LOG.info("dropping integrated sequence log segments works again");
      }
    } catch (IOException | RuntimeException e) {
      if (!dropFailing) {
        dropFailing = true;
        LOG.warn("couldn't drop sequence log segments through size {} (kept until the next"
            + " integration): {}", size, e.toString());
      }
    } finally {
      segments.unlock();
    }
  }

  /** A lease of this coordinator. */
  private final class EmbeddedLease implements Lease {
    private final long epoch;
    private final String holder;
    /** Guarded by {@code leases}. */
    private boolean ended;

    EmbeddedLease(long epoch, String holder) {
      this.epoch = epoch;
      this.holder = holder;
    }

    @Override
    public long epoch() {
      return epoch;
    }

    @Override
    public String holder() {
      return holder;
    }

    @Override
    public Assignment assign(List<Submission> batch, Extension extension) throws IOException {
      return EmbeddedCoordinator.this.assign(this, batch, extension);
    }

    @Override
    public TreeHead sequenced() throws IOException {
      commit.lock();
      try {
        if (sequencedUnknown) {
          sequenced = readSequenced();
          sequencedUnknown = false;
          dedup.markBehind();
        }
        return sequenced;
      } catch (IOException e) {
        throw FileErrors.wrap(e);
      } finally {
        commit.unlock();
      }
    }

    @Override
    public void replay(long size, Batches batches) throws IOException {
      try {
        replayLog(size, batches);
      } catch (IOException e) {
        throw FileErrors.wrap(e);
      }
    }

    @Override
    public TreeHead integrated() {
      return EmbeddedCoordinator.this.integrated;
    }

    @Override
    public TreeHead integrate(long fromSize, Integration integration) throws IOException {
      return EmbeddedCoordinator.this.integrate(this, fromSize, integration);
    }

    @Override
    public void syncDue() throws IOException {
      if (late == null) {
        return;
      }
      integrating.lock();
      try {
        checkLive(this);
        EmbeddedCoordinator.this.syncDue(false);
      } catch (IOException e) {
        throw FileErrors.wrap(e);
      } finally {
        integrating.unlock();
      }
    }

    @Override
    public Optional<StoredCheckpoint> latest() throws IOException {
      try {
        return latest.settled(() -> checkLive(this));
      } catch (IOException e) {
        throw FileErrors.wrap(e);
      }
    }

    @Override
    public Version swap(Optional<Version> expected, Checkpoint checkpoint, byte[] note,
        Instant time) throws IOException {
      try {
        return latest.swap(expected, checkpoint, note, time, () -> checkLive(this));
      } catch (IOException e) {
        throw FileErrors.wrap(e);
      }
    }

    /**
     * Ends the lease once the calls under way finish: each checks the lease under the lock it
     * changes the log with, so none changes anything after the lease ended.
     */
    @Override
    public void close() {
      commit.lock();
      integrating.lock();
      publishing.lock();
      try {
        synchronized (leases) {
          ended = true;
        }
      } finally {
        publishing.unlock();
        integrating.unlock();
        commit.unlock();
      }
    }
  }
}
