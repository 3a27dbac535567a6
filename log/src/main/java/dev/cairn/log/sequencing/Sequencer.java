package dev.cairn.log.sequencing;

import dev.cairn.log.PushbackException;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import dev.cairn.log.storage.DedupIndex;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.SequenceLog;
import dev.cairn.log.storage.StoredTiles;
import dev.cairn.log.storage.TreeHead;
import dev.cairn.log.storage.TreeStateStore;
import dev.cairn.tile.Bundles;
import dev.cairn.tile.EntryBundle;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pools submitted entries and sequences them in batches: at most every {@link
 * SequencerConfig#interval()}, and at once when a batch is full. Each batch gets the next
 * indices and is appended to the {@link SequenceLog} — one durable write — before any index is
 * acknowledged; its bundles and tiles then go to the object store behind it (see {@link
 * Integrator}). Resubmitted entries get their existing index.
 *
 * <p>In memory it keeps the tree's right edge, one partial tile per level, the entries of the
 * partial bundle, and the objects not yet written; start-up reads only the batches the object
 * store does not yet hold. One platform thread sequences; submitters never block on it: they
 * get a future, completed on that thread.
 */
public final class Sequencer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Sequencer.class);
  /** Objects not yet in the object store beyond which sequencing pushes back (~128 MiB). */
  private static final int MAX_BACKLOG = 16_384;

  /** Where a submission ended up. */
  public record Added(long index, boolean duplicate) {}

  /** Told about every batch, for metrics. */
  @FunctionalInterface
  public interface BatchObserver {
    /** A batch of {@code entries} submissions ({@code fresh} of them new) took {@code nanos}. */
    void batch(int entries, int fresh, long nanos, boolean ok);
  }

  private record Pending(byte[] entry, Hash leafHash, CompletableFuture<Added> result) {}

  private final ObjectStore objects;
  private final SequenceLog log;
  private final DedupIndex dedup;
  private final SequencerConfig config;
  private final BatchObserver observer;
  private final Integrator integrator;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition arrived = lock.newCondition();
  private final ArrayDeque<Pending> pool = new ArrayDeque<>();
  /** Entries pooled or being sequenced, so a concurrent resubmission joins the first one. */
  private final Map<Hash, Pending> inflight = new HashMap<>();
  private boolean closed;

  private volatile TreeHead sequenced;
  private final ComponentHealth health = new ComponentHealth("sequencer", "sequencing failed", LOG);
  private final Thread thread;

  // Owned by the sequencing thread.
  private WorkingTree tree;
  private boolean dedupBehind = true;
  /** The last append to the sequence log failed: an idle probe must append to prove it heals. */
  private boolean commitFailing;

  private Sequencer(ObjectStore objects, SequenceLog log, TreeStateStore integratedState,
      DedupIndex dedup, SequencerConfig config, BatchObserver observer, WorkingTree tree,
      TreeHead integrated) {
    this.objects = objects;
    this.log = log;
    this.dedup = dedup;
    this.config = config;
    this.observer = observer;
    this.tree = tree;
    this.sequenced = tree.head();
    this.integrator = new Integrator(objects, integratedState, log, integrated);
    this.thread = Thread.ofPlatform().name("cairn-sequencer").daemon().unstarted(this::run);
  }

  /**
   * Opens the sequencer over stored state and recovers:
   *
   * <ol>
   *   <li>Restore the tree the object store holds (its integrated head): one partial tile per
   *       level and the partial bundle, checked against the head's root.
   *   <li>Replay the sequence log's batches beyond it, checking each batch's recorded root.
   *       This is every acknowledged entry that had not reached the object store.
   *   <li>Write their bundles and tiles, save the new integrated head, and bring the dedup index
   *       up to date.
   * </ol>
   *
   * <p>The cost is the unintegrated batches (about a second of writes after a crash), not the
   * size of the log. Call {@link #start()} to begin sequencing.
   *
   * @throws IOException if the stored state is unreadable or inconsistent, saying where
   */
  public static Sequencer open(ObjectStore objects, SequenceLog log,
      TreeStateStore integratedState, DedupIndex dedup, SequencerConfig config,
      BatchObserver observer) throws IOException {
    TreeHead integrated = integratedState.load().orElse(new TreeHead(0, Hasher.emptyRoot()));
    WorkingTree tree = WorkingTree.restore(objects, integrated);
    Map<String, byte[]> writes = new java.util.LinkedHashMap<>();
    log.replay(integrated.size(), batch -> {
      if (batch.start() > tree.size()) {
        throw new IOException("the sequence log jumps from size " + tree.size() + " to "
            + batch.start());
      }
      List<byte[]> entries = batch.entries();
      entries = entries.subList((int) (tree.size() - batch.start()), entries.size());
      writes.putAll(tree.append(entries, null));
      if (!tree.head().equals(batch.head())) {
        throw new IOException("replaying the sequence log gives root " + tree.head().root()
            + " at size " + tree.size() + ", but the batch recorded " + batch.head().root());
      }
    });
    Sequencer s = new Sequencer(objects, log, integratedState, dedup, config, observer, tree,
        integrated);
    if (!writes.isEmpty()) {
      LOG.info("recovering {} entries from the sequence log (size {} to {})",
          tree.size() - integrated.size(), integrated.size(), tree.size());
      s.integrator.handOff(writes, tree.head());
      if (!s.integrator.integrateNow()) {
        throw new IOException("couldn't write the recovered entries' tiles: "
            + s.integrator.fault().orElse("unknown failure"));
      }
    }
    s.catchUpDedup();
    return s;
  }

  /** Starts the sequencing and integrating threads. */
  public void start() {
    integrator.start();
    thread.start();
  }

  /** The last durably sequenced tree head: every index below its size is final. */
  public TreeHead sequenced() {
    return sequenced;
  }

  /** The tree head whose bundles and tiles are all in the object store; publishable. */
  public TreeHead integrated() {
    return integrator.integrated();
  }

  /** Why sequencing or integration is failing, if it is; cleared by the next success. */
  public Optional<String> fault() {
    Optional<StorageFault> f = health.fault();
    return f.isPresent() ? f.map(StorageFault::reason) : integrator.fault();
  }

  /** The health of sequencing (the commit of writes) and of integration (tiles), in order. */
  public List<ComponentHealth> health() {
    return List.of(health, integrator.health());
  }

  /** Entries waiting for a batch. */
  public int poolDepth() {
    lock.lock();
    try {
      return pool.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Submits one entry. The future completes with its index once that index is durable, or fails
   * with {@link PushbackException} if the batch could not be sequenced.
   *
   * @throws PushbackException if the pool is full
   * @throws IllegalArgumentException if the entry is empty or longer than 65,535 bytes
   */
  public CompletableFuture<Added> add(byte[] entry) {
    return addAll(List.of(entry)).get(0);
  }

  /**
   * Submits entries together: all of them are pooled, or none (pushback) if they do not fit.
   *
   * @throws PushbackException if the pool cannot take them all
   * @throws IllegalArgumentException if an entry is empty or longer than 65,535 bytes
   */
  public List<CompletableFuture<Added>> addAll(List<byte[]> entries) {
    List<Pending> fresh = new ArrayList<>(entries.size());
    Hasher hasher = Hasher.threadLocal();
    for (int i = 0; i < entries.size(); i++) {
      byte[] e = entries.get(i);
      if (e.length == 0 || e.length > Bundles.MAX_ENTRY_SIZE) {
        throw new IllegalArgumentException("entry " + i + " is " + e.length
            + " bytes; entries must be 1 to " + Bundles.MAX_ENTRY_SIZE + " bytes");
      }
      fresh.add(new Pending(e, hasher.leaf(e), new CompletableFuture<>()));
    }
    List<CompletableFuture<Added>> results = new ArrayList<>(fresh.size());
    lock.lock();
    try {
      if (closed) {
        throw new PushbackException("the log is shutting down", Duration.ofSeconds(5));
      }
      if (pool.size() + fresh.size() > config.poolLimit()) {
        throw new PushbackException("the sequencing pool is full (" + pool.size() + " of "
            + config.poolLimit() + " entries waiting)", retryAfter());
      }
      boolean wasEmpty = pool.isEmpty();
      for (Pending p : fresh) {
        Pending first = inflight.putIfAbsent(p.leafHash(), p);
        if (first == null) {
          pool.add(p);
          results.add(p.result());
        } else {
          results.add(first.result().thenApply(a -> new Added(a.index(), true)));
        }
      }
      if (wasEmpty || pool.size() >= config.batchSize()) {
        arrived.signal();
      }
    } finally {
      lock.unlock();
    }
    return results;
  }

  private Duration retryAfter() {
    return config.interval().multipliedBy(4).compareTo(Duration.ofSeconds(1)) < 0
        ? Duration.ofSeconds(1) : config.interval().multipliedBy(4);
  }

  private void run() {
    long nextBatch = System.nanoTime();
    while (true) {
      List<Pending> batch;
      lock.lock();
      try {
        boolean probe = false;
        while (pool.isEmpty() && !closed && !probe) {
          if (health.fault().isEmpty()) {
            arrived.awaitUninterruptibly();
          } else {
            // Failing and idle: try again on our own, so that readiness comes back without
            // waiting for a writer (a load balancer sends none to a log that is not ready).
            probe = !arrived.await(retryAfter().toMillis(), TimeUnit.MILLISECONDS)
                && pool.isEmpty();
          }
        }
        // Wait for the interval to pass since the last batch began, unless the batch is full.
        long wait;
        while (!closed && pool.size() < config.batchSize()
            && (wait = nextBatch - System.nanoTime()) > 0) {
          arrived.awaitNanos(wait);
        }
        if (closed && pool.isEmpty()) {
          return;
        }
        if (probe && pool.isEmpty()) {
          batch = List.of();
        } else {
          batch = new ArrayList<>(Math.min(pool.size(), config.batchSize()));
          while (!pool.isEmpty() && batch.size() < config.batchSize()) {
            batch.add(pool.poll());
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } finally {
        lock.unlock();
      }
      nextBatch = System.nanoTime() + config.interval().toNanos();
      sequence(batch);
    }
  }

  /**
   * Sequences one batch. The crash-safe order:
   *
   * <ol>
   *   <li>Look the batch up in the dedup index: entries already in the log get their index.
   *   <li>Assign the next indices to the new entries and compute their bundles and tiles in
   *       memory.
   *   <li>Append the batch to the sequence log: from this durable write on, the indices are
   *       final and survive any crash (start-up replays the log).
   *   <li>Index the new entries for dedup (not needed for durability: rebuilt from the log).
   *   <li>Hand the bundles and tiles to the integrator, which writes them to the object store
   *       before a checkpoint may cover them.
   *   <li>Acknowledge the indices.
   * </ol>
   *
   * <p>If a step up to the append fails, nothing is acknowledged, the submissions fail with
   * pushback, and the in-memory tree is rebuilt from what is durable. An empty batch is a probe,
   * run while failing and idle: it repeats the steps that failed (including an append, of no
   * entries, if the append failed) and clears the fault if they now work.
   */
  private void sequence(List<Pending> batch) {
    long started = System.nanoTime();
    List<Pending> fresh = new ArrayList<>(batch.size());
    boolean ok = false;
    try {
      if (tree == null) {
        resetToDurable();
      }
      // While tiles cannot be written, stop acknowledging: retry here first, so a passing
      // fault costs one batch nothing and a lasting one pushes writers back.
      if (integrator.fault().isPresent() || integrator.backlog() > MAX_BACKLOG) {
        if (!integrator.integrateNow()) {
          throw new TilesFailing(integrator.fault().orElse("cannot write tiles"));
        }
      }
      // 1. Entries already in the log.
      Map<Hash, Long> existing = lookUp(batch);
      for (Pending p : batch) {
        Long index = existing.get(p.leafHash());
        if (index != null) {
          p.result().complete(new Added(index, true));
        } else {
          fresh.add(p);
        }
      }
      if (!fresh.isEmpty()) {
        // 2. Indices, bundles and tiles in memory.
        long start = tree.size();
        List<byte[]> entries = fresh.stream().map(Pending::entry).toList();
        Map<String, byte[]> writes = tree.append(entries,
            fresh.stream().map(Pending::leafHash).toList());
        TreeHead head = tree.head();
        // 3. Commit: the indices are final from here on.
        commitFailing = true;
        log.append(new SequenceLog.Batch(start, entries, head));
        commitFailing = false;
        sequenced = head;
        // 4. Dedup index; a failure only means catching up before the next batch.
        List<DedupIndex.Mapping> mappings = new ArrayList<>(fresh.size());
        for (int i = 0; i < fresh.size(); i++) {
          mappings.add(new DedupIndex.Mapping(fresh.get(i).leafHash(), start + i));
        }
        try {
          dedup.add(mappings, head.size());
        } catch (IOException | RuntimeException e) {
          dedupBehind = true;
          LOG.warn("couldn't update the dedup index; will rebuild it from the log: {}",
              e.toString());
        }
        // 5. Bundles and tiles to the object store, behind us.
        integrator.handOff(writes, head);
        // 6. Acknowledge.
        for (int i = 0; i < fresh.size(); i++) {
          fresh.get(i).result().complete(new Added(start + i, false));
        }
      } else if (commitFailing) {
        // A probe after a failed append: prove that the sequence log takes appends again.
        log.append(new SequenceLog.Batch(tree.size(), List.of(), tree.head()));
        commitFailing = false;
      }
      health.recovered();
      ok = true;
    } catch (IOException | RuntimeException e) {
      String reason;
      if (e instanceof TilesFailing) {
        reason = e.getMessage(); // the integrator's fault, which it reports itself
        LOG.debug("refused a batch of {} entries: {}", batch.size(), reason);
      } else {
        reason = health.failed(batch.isEmpty() ? "probing storage after a failure"
            : "sequencing a batch of " + batch.size() + " entries at size " + sequenced.size(),
            e).reason();
      }
      PushbackException failure = new PushbackException(
          "the log could not store the entry: " + reason, retryAfter());
      for (Pending p : batch) {
        p.result().completeExceptionally(failure);
      }
      tree = null; // rebuilt from what is durable before the next batch
      dedupBehind = true; // and the dedup index checked against it
    } finally {
      lock.lock();
      try {
        for (Pending p : batch) {
          inflight.remove(p.leafHash(), p);
        }
      } finally {
        lock.unlock();
      }
      try {
        if (!batch.isEmpty()) {
          observer.batch(batch.size(), fresh.size(), System.nanoTime() - started, ok);
        }
      } catch (RuntimeException e) {
        LOG.warn("batch observer failed: {}", e.toString());
      }
    }
  }

  /**
   * Looks the batch up in the dedup index, once the index covers the whole sequenced tree. The
   * index can lose a tail of mappings without losing the log (after a crash, or when RocksDB is
   * reopened after a failed write): its watermark then drops, and a lookup before the rebuild
   * could miss an entry and sequence it twice. So the watermark is checked after the lookup,
   * and on a failure the index is rebuilt from the log and asked again (twice: the attempt that
   * reopens RocksDB learns that it did, and the next one rebuilds).
   */
  private Map<Hash, Long> lookUp(List<Pending> batch) throws IOException {
    List<Hash> hashes = batch.stream().map(Pending::leafHash).toList();
    for (int attempt = 1; ; attempt++) {
      try {
        if (dedupBehind) {
          catchUpDedup();
        }
        Map<Hash, Long> found = dedup.lookup(hashes);
        long indexed = dedup.watermark();
        if (indexed != sequenced.size()) {
          throw new IOException("the dedup index covers size " + indexed + ", not "
              + sequenced.size());
        }
        return found;
      } catch (IOException | RuntimeException e) {
        dedupBehind = true;
        if (attempt == 3) {
          throw e;
        }
        LOG.debug("rebuilding the dedup index after: {}", e.toString());
      }
    }
  }

  /**
   * After a failed batch, rebuilds the in-memory tree from what is durable: the object store's
   * tree plus the sequence log (which holds an append that reported an error but landed).
   */
  private void resetToDurable() throws IOException {
    // No integration meanwhile: it would drop logged batches this is about to read.
    try (AutoCloseable paused = integrator.pause()) {
      resetToDurablePaused();
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e);
    }
  }

  private void resetToDurablePaused() throws IOException {
    // The object store holds the integrated tree (objects still pending are in the sequence
    // log too, so replaying it hands them off again).
    TreeHead integrated = integrator.integrated();
    WorkingTree t = WorkingTree.restore(objects, integrated);
    Map<String, byte[]> writes = new java.util.LinkedHashMap<>();
    log.replay(integrated.size(), batch -> {
      if (batch.start() > t.size()) {
        throw new IOException("the sequence log jumps from size " + t.size() + " to "
            + batch.start());
      }
      List<byte[]> entries = batch.entries();
      writes.putAll(t.append(entries.subList((int) (t.size() - batch.start()), entries.size()),
          null));
    });
    if (t.size() != sequenced.size()) {
      LOG.warn("the durable tree is at size {}, not {}; continuing from it", t.size(),
          sequenced.size());
      dedupBehind = true;
    }
    if (!writes.isEmpty()) {
      integrator.handOff(writes, t.head());
    }
    tree = t;
    sequenced = t.head();
  }

  /**
   * Indexes every entry between the dedup index's watermark and the sequenced size: from their
   * bundles up to the integrated size, and from the sequence log beyond it. Normally there is
   * nothing to do; after a crash or a failed index write it covers a few batches, after a lost
   * index the whole log.
   */
  private void catchUpDedup() throws IOException {
    // No integration meanwhile: it would drop logged batches this is about to read.
    try (AutoCloseable paused = integrator.pause()) {
      catchUpDedupPaused();
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e);
    }
  }

  private void catchUpDedupPaused() throws IOException {
    long size = sequenced.size();
    long from = dedup.watermark();
    if (from > size) {
      throw new IOException("the dedup index covers size " + from
          + " but the log has only " + size + " entries");
    }
    long integrated = integrator.integrated().size();
    Hasher hasher = Hasher.threadLocal();
    while (from < Math.min(size, integrated)) {
      long bundle = from >>> 8;
      int width = (int) Math.min(EntryBundle.FULL_WIDTH,
          integrated - bundle * EntryBundle.FULL_WIDTH);
      List<byte[]> entries = StoredTiles.bundle(objects, new EntryBundle(bundle, width));
      int skip = (int) (from - bundle * EntryBundle.FULL_WIDTH);
      from = index(entries.subList(skip, width), from, hasher);
    }
    long[] next = {from};
    log.replay(from, batch -> {
      List<byte[]> entries = batch.entries();
      int skip = (int) Math.max(0, next[0] - batch.start());
      if (batch.start() + skip != next[0]) {
        throw new IOException("the sequence log does not reach back to size " + next[0]);
      }
      next[0] = index(entries.subList(skip, entries.size()), next[0], hasher);
    });
    if (next[0] != size) {
      throw new IOException("the dedup index could only be rebuilt up to size " + next[0]
          + " of " + size);
    }
    dedupBehind = false;
  }

  /** Tiles cannot be written: the integrator's fault, which pushes writers back. */
  private static final class TilesFailing extends IOException {
    private static final long serialVersionUID = 1L;

    TilesFailing(String reason) {
      super(reason);
    }
  }

  /** Indexes {@code entries}, the log's entries from index {@code first}; returns the next. */
  private long index(List<byte[]> entries, long first, Hasher hasher) throws IOException {
    List<DedupIndex.Mapping> mappings = new ArrayList<>(entries.size());
    for (int i = 0; i < entries.size(); i++) {
      mappings.add(new DedupIndex.Mapping(hasher.leaf(entries.get(i)), first + i));
    }
    // A hash indexed at another index would mean the log holds one entry twice, which dedup
    // exists to prevent: refuse to go on rather than hide it.
    Map<Hash, Long> known = dedup.lookup(mappings.stream().map(DedupIndex.Mapping::leafHash)
        .toList());
    for (DedupIndex.Mapping m : mappings) {
      Long k = known.get(m.leafHash());
      if (k != null && k != m.index()) {
        throw new IOException("entry " + m.index() + " repeats entry " + k
            + " (same leaf hash): the dedup index and the log disagree");
      }
    }
    long next = first + entries.size();
    dedup.add(mappings, next);
    return next;
  }

  /**
   * Writes everything sequenced to the object store now, and returns whether the object store
   * holds it all.
   */
  public boolean integrateNow() {
    return integrator.integrateNow();
  }

  /** Stops taking submissions, sequences and integrates what is pooled, and stops. */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      arrived.signalAll();
    } finally {
      lock.unlock();
    }
    if (thread.isAlive()) {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    integrator.integrateNow();
    integrator.close();
  }
}
