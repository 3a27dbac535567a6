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
  /** The stored tiles, at any width within the integrated tree. */
  private final TreeTiles bundles;
  private final Clock clock;

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
  /** Held while publishing. */
  private final ReentrantLock publishing = new ReentrantLock();

  private volatile TreeHead sequenced;
  private volatile TreeHead integrated;
  // Guarded by commit.
  private boolean indexBehind = true;
  private boolean commitFailed;
  private boolean sequencedUnknown;
  // Guarded by publishing.
  private boolean swapUnsure;
  // Guarded by integrating.
  private boolean dropFailing;

  private EmbeddedCoordinator(Parts parts, Clock clock, TreeHead integrated,
      TreeHead sequenced) {
    this.parts = parts;
    this.clock = clock;
    this.integrated = integrated;
    this.sequenced = sequenced;
    this.bundles = new TreeTiles(new ObjectStoreReader(parts.objects(), "the object store"),
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
      c.sequenced = c.readSequenced();
      c.repairHistory();
      c.commit.lock();
      try {
        c.catchUpIndex();
      } finally {
        c.commit.unlock();
      }
      return c;
    } catch (IOException e) {
      throw FileErrors.wrap(e);
    }
  }

  /** The head after the last committed batch, read from the sequence log. */
  private TreeHead readSequenced() throws IOException {
    TreeHead[] last = {integrated};
    replayLog(integrated.size(), batch -> {
      if (batch.start() > last[0].size()) {
        throw new StorageException(Kind.CORRUPT, "the sequence log jumps from size "
            + last[0].size() + " to " + batch.start() + ": entries are missing");
      }
      last[0] = batch.head();
    });
    return last[0];
  }

  private void replayLog(long size, Lease.Batches batches) throws IOException {
    segments.lock();
    try {
      parts.log().replay(size, batches::batch);
    } finally {
      segments.unlock();
    }
  }

  /**
   * Appends the latest checkpoint to the history if a crash came between the two writes — once
   * it is shown to be backed by the object store (no larger than the integrated tree, and the
   * tiles give its root), so that nothing the data cannot back enters the history.
   */
  private void repairHistory() throws IOException {
    Optional<byte[]> stored = parts.checkpoints().latest();
    if (stored.isEmpty()) {
      if (parts.history().last().isPresent()) {
        throw new StorageException(Kind.CORRUPT, "the history holds checkpoints but the latest"
            + " checkpoint is missing");
      }
      return;
    }
    Checkpoint c = parse(stored.get());
    Optional<CheckpointHistory.Entry> last = parts.history().last();
    if (last.isPresent() && last.get().size() > c.size()) {
      throw new StorageException(Kind.CORRUPT, "the history holds size " + last.get().size()
          + ", beyond the latest checkpoint at size " + c.size());
    }
    if (last.isPresent() && last.get().size() == c.size()) {
      return;
    }
    TreeHead tree = integrated;
    if (c.size() > tree.size()) {
      throw new StorageException(Kind.CORRUPT, "the stored checkpoint has size " + c.size()
          + " but the object store holds only " + tree.size() + " entries");
    }
    Hash root = bundles.treeHash(c.size());
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
    parts.history().append(new CheckpointHistory.Entry(c.size(), time, stored.get()));
  }

  private static Checkpoint parse(byte[] note) throws StorageException {
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
      return stored();
    } catch (IOException e) {
      throw FileErrors.wrap(e);
    }
  }

  private Optional<StoredCheckpoint> stored() throws IOException {
    Optional<byte[]> note = parts.checkpoints().latest();
    if (note.isEmpty()) {
      return Optional.empty();
    }
    long size = parse(note.get()).size();
    Optional<CheckpointHistory.Entry> entry = parts.history().bySize(size);
    Instant time = entry.map(CheckpointHistory.Entry::time).orElseGet(clock::instant);
    return Optional.of(new StoredCheckpoint(note.get(), time, versionOf(note.get())));
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
        indexBehind = true;
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
      Map<Hash, Long> existing = lookUpForCommit(batch);
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
      List<DedupIndex.Mapping> mappings = new ArrayList<>(entries.size());
      for (int i = 0; i < hashes.size(); i++) {
        mappings.add(new DedupIndex.Mapping(hashes.get(i), before.size() + i));
      }
      try {
        parts.dedup().add(mappings, head.size());
      } catch (IOException | RuntimeException e) {
        // Committed all the same: the index catches up from the log before the next lookup.
        indexBehind = true;
        LOG.warn("couldn't update the dedup index; it catches up from the log: {}", e.toString());
      }
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
      throw e;
    }
  }

  /**
   * Looks the batch up once the index covers the whole sequenced tree: the watermark is checked
   * after the lookup, and on a failure the index catches up and is asked again (three times:
   * the attempt that reopens RocksDB learns that it did, the next one catches up).
   */
  private Map<Hash, Long> lookUpForCommit(List<Lease.Submission> batch) throws IOException {
    List<Hash> hashes = new ArrayList<>(batch.size());
    for (Lease.Submission s : batch) {
      hashes.add(s.leafHash());
    }
    for (int attempt = 1; ; attempt++) {
      try {
        if (indexBehind) {
          catchUpIndex();
        }
        Map<Hash, Long> found = parts.dedup().lookup(hashes);
        long indexed = parts.dedup().watermark();
        if (indexed != sequenced.size()) {
          throw new IOException("the dedup index covers size " + indexed + ", not "
              + sequenced.size());
        }
        return found;
      } catch (StorageException e) {
        if (e.kind().fatal() || attempt == 3) {
          throw e;
        }
        indexBehind = true;
      } catch (IOException | RuntimeException e) {
        indexBehind = true;
        if (attempt == 3) {
          throw e;
        }
        LOG.debug("bringing the dedup index up to date after: {}", e.toString());
      }
    }
  }

  /**
   * Indexes every entry between the index's watermark and the sequenced size: from the bundles
   * up to the integrated size, and from the sequence log beyond it. Normally there is nothing
   * to do; after a crash or a failed index write it covers a few batches, after a lost index
   * the whole log.
   */
  private void catchUpIndex() throws IOException {
    long size = sequenced.size();
    long from = parts.dedup().watermark();
    if (from > size) {
      throw new StorageException(Kind.CORRUPT, "the dedup index covers size " + from
          + " but the log has only " + size + " entries");
    }
    if (from == size) {
      indexBehind = false;
      return;
    }
    long fromBundles = Math.min(size, integrated.size());
    Hasher hasher = Hasher.threadLocal();
    while (from < fromBundles) {
      long bundle = from >>> 8;
      int width = (int) Math.min(256, fromBundles - bundle * 256);
      List<byte[]> entries = bundles.entries(new dev.cairn.tile.EntryBundle(bundle, width));
      int skip = (int) (from - bundle * 256);
      from = index(entries.subList(skip, width), from, hasher);
    }
    long[] next = {from};
    replayLog(from, batch -> {
      List<byte[]> entries = batch.entries();
      int skip = (int) Math.max(0, next[0] - batch.start());
      if (batch.start() + skip != next[0]) {
        throw new StorageException(Kind.CORRUPT, "the sequence log does not reach back to size "
            + next[0]);
      }
      next[0] = index(entries.subList(skip, entries.size()), next[0], hasher);
    });
    if (next[0] != size) {
      throw new IOException("the dedup index could only be brought up to size " + next[0]
          + " of " + size);
    }
    indexBehind = false;
  }

  /** Indexes {@code entries}, the log's entries from index {@code first}; returns the next. */
  private long index(List<byte[]> entries, long first, Hasher hasher) throws IOException {
    List<DedupIndex.Mapping> mappings = new ArrayList<>(entries.size());
    for (int i = 0; i < entries.size(); i++) {
      mappings.add(new DedupIndex.Mapping(hasher.leaf(entries.get(i)), first + i));
    }
    // A hash indexed at another index would mean the log holds one entry twice, which dedup
    // exists to prevent: refuse to go on rather than hide it.
    Map<Hash, Long> known = parts.dedup().lookup(mappings.stream()
        .map(DedupIndex.Mapping::leafHash).toList());
    for (DedupIndex.Mapping m : mappings) {
      Long k = known.get(m.leafHash());
      if (k != null && k != m.index()) {
        throw new StorageException(Kind.CORRUPT, "entry " + m.index() + " repeats entry " + k
            + " (same leaf hash): the dedup index and the log disagree");
      }
    }
    long next = first + entries.size();
    parts.dedup().add(mappings, next);
    return next;
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
      TreeHead head = integration.write(from);
      checkLive(lease);
      if (head.size() < from.size() || head.size() > sequenced.size()) {
        throw new StorageException(Kind.CONFLICT, "cannot integrate up to size " + head.size()
            + ": the integrated size is " + from.size() + " and the sequenced "
            + sequenced.size());
      }
      // The crash-safe order: the objects are durable (above), then the head that claims
      // them, then the sequence log may forget the batches they hold.
      parts.treeState().save(head);
      integrated = head;
      dropThrough(head.size());
      return head;
    } catch (IOException e) {
      throw FileErrors.wrap(e);
    } finally {
      integrating.unlock();
    }
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

  // ---- Publication --------------------------------------------------------------------------

  private Version swap(EmbeddedLease lease, Optional<Version> expected, Checkpoint checkpoint,
      byte[] note, Instant time) throws IOException {
    publishing.lock();
    try {
      checkLive(lease);
      settle();
      Optional<byte[]> current = parts.checkpoints().latest();
      Optional<Version> now = current.map(EmbeddedCoordinator::versionOf);
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
        Optional<CheckpointHistory.Entry> last = parts.history().last();
        if (last.isPresent() && time.isBefore(last.get().time())) {
          throw new StorageException(Kind.CONFLICT, "a checkpoint published at " + time
              + " cannot follow one published at " + last.get().time());
        }
      }
      TreeHead tree = integrated;
      if (checkpoint.size() > tree.size()
          || checkpoint.size() == tree.size() && !checkpoint.root().equals(tree.root())) {
        throw new StorageException(Kind.CONFLICT, "the checkpoint of size " + checkpoint.size()
            + " and root " + checkpoint.root() + " is not backed by the object store, which"
            + " holds the tree up to size " + tree.size() + " (root " + tree.root() + ")");
      }
      // Until both writes are done, a failure leaves it unknown whether the swap landed.
      swapUnsure = true;
      boolean swapped = current.isEmpty() ? parts.checkpoints().create(note)
          : parts.checkpoints().compareAndSwap(current.get(), note);
      if (!swapped) {
        swapUnsure = false;
        throw new StorageException(Kind.CONFLICT, "the latest checkpoint changed during the"
            + " swap: another process is publishing this log");
      }
      parts.history().append(new CheckpointHistory.Entry(checkpoint.size(), time, note));
      swapUnsure = false;
      return versionOf(note);
    } catch (IOException e) {
      throw FileErrors.wrap(e);
    } finally {
      publishing.unlock();
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
    Optional<byte[]> current = parts.checkpoints().latest();
    if (current.isPresent()) {
      if (!parts.checkpoints().compareAndSwap(current.get(), current.get())) {
        throw new StorageException(Kind.CONFLICT, "the latest checkpoint changed under this"
            + " publisher: another process is publishing this log");
      }
      repairHistory();
    }
    swapUnsure = false;
  }

  private Optional<StoredCheckpoint> latest(EmbeddedLease lease) throws IOException {
    publishing.lock();
    try {
      settle();
      repairHistory();
      return stored();
    } catch (IOException e) {
      throw FileErrors.wrap(e);
    } finally {
      publishing.unlock();
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
          indexBehind = true;
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
    public Optional<StoredCheckpoint> latest() throws IOException {
      return EmbeddedCoordinator.this.latest(this);
    }

    @Override
    public Version swap(Optional<Version> expected, Checkpoint checkpoint, byte[] note,
        Instant time) throws IOException {
      return EmbeddedCoordinator.this.swap(this, expected, checkpoint, note, time);
    }

    @Override
    public void close() {
      synchronized (leases) {
        ended = true;
      }
    }
  }
}
