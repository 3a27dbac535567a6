package dev.cairn.sequencer;

import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import dev.cairn.storage.DedupIndex;
import dev.cairn.storage.StoredTiles;
import dev.cairn.storage.ObjectStore;
import dev.cairn.storage.TreeHead;
import dev.cairn.storage.TreeStateStore;
import dev.cairn.tile.Bundles;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.TileBuilder;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pools submitted entries and sequences them in batches: every {@link SequencerConfig#interval()}
 * or as soon as a batch is full. Each batch assigns the next indices, makes the entry bundles and
 * hash tiles durable, then commits the new tree head to the {@link TreeStateStore}; only then are
 * the indices acknowledged. Resubmitted entries get their existing index.
 *
 * <p>In memory it keeps the tree's right edge, one partial tile per level and the entries of the
 * partial bundle, whatever the log's size. One platform thread sequences; submitters never block
 * on it: they get a future.
 */
public final class Sequencer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Sequencer.class);

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
  private final TreeStateStore treeState;
  private final DedupIndex dedup;
  private final SequencerConfig config;
  private final BatchObserver observer;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition arrived = lock.newCondition();
  private final ArrayDeque<Pending> pool = new ArrayDeque<>();
  /** Entries pooled or being sequenced, so a concurrent resubmission joins the first one. */
  private final Map<Hash, Pending> inflight = new HashMap<>();
  private boolean closed;

  private volatile TreeHead sequenced;
  private volatile String fault;
  private final Thread thread;

  // Owned by the sequencing thread.
  private TileBuilder tiles;
  private List<byte[]> partialBundle;
  private boolean dedupBehind;

  private Sequencer(ObjectStore objects, TreeStateStore treeState, DedupIndex dedup,
      SequencerConfig config, BatchObserver observer, TreeHead head, TileBuilder tiles,
      List<byte[]> partialBundle) {
    this.objects = objects;
    this.treeState = treeState;
    this.dedup = dedup;
    this.config = config;
    this.observer = observer;
    this.sequenced = head;
    this.tiles = tiles;
    this.partialBundle = partialBundle;
    this.dedupBehind = true;
    this.thread = Thread.ofPlatform().name("cairn-sequencer").daemon().unstarted(this::run);
  }

  /**
   * Opens the sequencer over stored state: restores the tree from the last committed tree head
   * (reading one partial tile per level and the partial bundle, so the cost does not grow with
   * the log), checks that the tiles lead to the committed root, and brings the dedup index up to
   * date. Call {@link #start()} to begin sequencing.
   *
   * @throws IOException if the stored state is unreadable or inconsistent, saying where
   */
  public static Sequencer open(ObjectStore objects, TreeStateStore treeState, DedupIndex dedup,
      SequencerConfig config, BatchObserver observer) throws IOException {
    TreeHead head = treeState.load().orElse(new TreeHead(0, Hasher.emptyRoot()));
    TileBuilder tiles = restoreTiles(objects, head);
    Sequencer s = new Sequencer(objects, treeState, dedup, config, observer, head, tiles,
        readPartialBundle(objects, head.size()));
    s.catchUpDedup();
    return s;
  }

  private static TileBuilder restoreTiles(ObjectStore objects, TreeHead head) throws IOException {
    TileBuilder tiles = TileBuilder.restore(head.size(), StoredTiles.reader(objects));
    if (!tiles.root().equals(head.root())) {
      throw new IOException("stored tiles lead to root " + tiles.root() + " at size "
          + head.size() + ", but the committed tree head says " + head.root());
    }
    return tiles;
  }

  private static List<byte[]> readPartialBundle(ObjectStore objects, long size)
      throws IOException {
    int width = (int) (size % EntryBundle.FULL_WIDTH);
    if (width == 0) {
      return new ArrayList<>();
    }
    return new ArrayList<>(StoredTiles.bundle(objects, new EntryBundle(size >>> 8, width)));
  }

  /** Starts the sequencing thread. */
  public void start() {
    thread.start();
  }

  /** The last durably sequenced tree head. */
  public TreeHead sequenced() {
    return sequenced;
  }

  /** Why the last batch failed, if it did; cleared by the next successful batch. */
  public java.util.Optional<String> fault() {
    return java.util.Optional.ofNullable(fault);
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
        while (pool.isEmpty() && !closed) {
          arrived.awaitUninterruptibly();
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
        batch = new ArrayList<>(Math.min(pool.size(), config.batchSize()));
        while (!pool.isEmpty() && batch.size() < config.batchSize()) {
          batch.add(pool.poll());
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
   *   <li>Assign the next indices to the new entries and compute the new bundles and tiles in
   *       memory.
   *   <li>Write every bundle and tile the batch touches to the object store, in parallel, and
   *       wait until all are durable. A crash here leaves objects wider than the committed tree; they are never
   *       read past the committed size and are overwritten by the next batch.
   *   <li>Commit the new tree head to the tree state store: from this write on, the indices are
   *       final and survive any crash.
   *   <li>Index the new entries for dedup (not needed for durability: rebuilt from the bundles).
   *   <li>Acknowledge the indices.
   * </ol>
   *
   * <p>If a step before the commit fails, nothing is acknowledged, the submissions fail with
   * pushback, and the in-memory tree is rebuilt from the committed state.
   */
  private void sequence(List<Pending> batch) {
    long started = System.nanoTime();
    TreeHead before = sequenced;
    List<Pending> fresh = new ArrayList<>(batch.size());
    boolean ok = false;
    try {
      if (dedupBehind) {
        catchUpDedup();
      }
      // 1. Entries already in the log.
      Map<Hash, Long> existing = dedup.lookup(batch.stream().map(Pending::leafHash).toList());
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
        Map<String, byte[]> writes = new LinkedHashMap<>();
        TileBuilder.Sink fullTiles = (tile, data) -> writes.put(tile.path(), data);
        long start = before.size();
        byte[] leaf = new byte[Hash.SIZE];
        for (int i = 0; i < fresh.size(); i++) {
          Pending p = fresh.get(i);
          p.leafHash().copyTo(leaf, 0);
          tiles.append(leaf, 0, fullTiles);
          partialBundle.add(p.entry());
          if (partialBundle.size() == EntryBundle.FULL_WIDTH) {
            writes.put(EntryBundle.full((start + i) >>> 8).path(), Bundles.encode(partialBundle));
            partialBundle = new ArrayList<>();
          }
        }
        long end = start + fresh.size();
        if (!partialBundle.isEmpty()) {
          writes.put(EntryBundle.full(end >>> 8).path(), Bundles.encode(partialBundle));
        }
        for (TileBuilder.TileData t : tiles.partialTiles(start)) {
          writes.put(t.tile().withWidth(EntryBundle.FULL_WIDTH).path(), t.data());
        }
        // 3. Entry data and tiles durable.
        objects.putAll(writes);
        // 4. Commit: the indices are final from here on.
        commit(new TreeHead(end, tiles.root()));
        // 5. Dedup index; a failure only means catching up before the next batch.
        List<DedupIndex.Mapping> mappings = new ArrayList<>(fresh.size());
        for (int i = 0; i < fresh.size(); i++) {
          mappings.add(new DedupIndex.Mapping(fresh.get(i).leafHash(), start + i));
        }
        try {
          dedup.add(mappings, end);
        } catch (IOException | RuntimeException e) {
          dedupBehind = true;
          LOG.warn("couldn't update the dedup index; will rebuild it from the log: {}",
              e.toString());
        }
        fault = null;
        // 6. Acknowledge.
        for (int i = 0; i < fresh.size(); i++) {
          fresh.get(i).result().complete(new Added(start + i, false));
        }
      }
      fault = null;
      ok = true;
    } catch (IOException | RuntimeException e) {
      fault = "sequencing failed: " + e.getMessage();
      LOG.error("couldn't sequence a batch of {} entries at size {}: {}", batch.size(),
          before.size(), e.toString());
      PushbackException failure = new PushbackException(
          "the log could not store the entry: " + e.getMessage(), retryAfter());
      for (Pending p : batch) {
        p.result().completeExceptionally(failure);
      }
      resetToCommitted();
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
        observer.batch(batch.size(), fresh.size(), System.nanoTime() - started, ok);
      } catch (RuntimeException e) {
        LOG.warn("batch observer failed: {}", e.toString());
      }
    }
  }

  /**
   * Saves the tree head. If saving reports an error, the head may or may not have landed (a
   * rename that succeeded before a failed directory fsync, say): the stored state is read back,
   * and only a head that reads back as saved counts as committed.
   */
  private void commit(TreeHead head) throws IOException {
    try {
      treeState.save(head);
    } catch (IOException | RuntimeException e) {
      if (!head.equals(treeState.load().orElse(null))) {
        throw e;
      }
      LOG.warn("saving the tree state reported an error but it landed; going on: {}",
          e.toString());
    }
    sequenced = head;
  }

  /**
   * After a failed batch, rebuilds the in-memory tree from what storage says is committed (which
   * is the head before the batch, unless a commit that reported an error nonetheless landed).
   */
  private void resetToCommitted() {
    try {
      TreeHead committed = treeState.load().orElse(new TreeHead(0, Hasher.emptyRoot()));
      tiles = restoreTiles(objects, committed);
      partialBundle = readPartialBundle(objects, committed.size());
      if (committed.size() != sequenced.size()) {
        LOG.warn("the committed tree is at size {}, not {}; continuing from it",
            committed.size(), sequenced.size());
        sequenced = committed;
        dedupBehind = true;
      }
    } catch (IOException | RuntimeException e) {
      // The committed state is unreadable: keep failing batches until it reads back.
      fault = "sequencing stopped: cannot re-read the committed tree: " + e.getMessage();
      LOG.error(fault);
      tiles = null;
    }
  }

  /**
   * Indexes every entry between the dedup index's watermark and the sequenced size, reading
   * them from their bundles. Normally there is nothing to do; after a crash or a failed index
   * write it covers at most a few batches, after a lost index the whole log.
   */
  private void catchUpDedup() throws IOException {
    if (tiles == null) {
      resetToCommitted();
      if (tiles == null) {
        throw new IOException(fault);
      }
    }
    long size = sequenced.size();
    long from = dedup.watermark();
    if (from > size) {
      throw new IOException("the dedup index covers size " + from
          + " but the log has only " + size + " entries");
    }
    Hasher hasher = Hasher.threadLocal();
    while (from < size) {
      long bundle = from >>> 8;
      int width = (int) Math.min(EntryBundle.FULL_WIDTH, size - bundle * EntryBundle.FULL_WIDTH);
      List<byte[]> entries = StoredTiles.bundle(objects, new EntryBundle(bundle, width));
      List<DedupIndex.Mapping> mappings = new ArrayList<>();
      for (int i = (int) (from - bundle * EntryBundle.FULL_WIDTH); i < width; i++) {
        mappings.add(new DedupIndex.Mapping(hasher.leaf(entries.get(i)),
            bundle * EntryBundle.FULL_WIDTH + i));
      }
      // A hash indexed at another index would mean the log holds one entry twice, which
      // dedup exists to prevent: refuse to go on rather than hide it.
      Map<Hash, Long> known = dedup.lookup(mappings.stream().map(DedupIndex.Mapping::leafHash)
          .toList());
      for (DedupIndex.Mapping m : mappings) {
        Long k = known.get(m.leafHash());
        if (k != null && k != m.index()) {
          throw new IOException("entry " + m.index() + " repeats entry " + k
              + " (same leaf hash): the dedup index and the log disagree");
        }
      }
      long upTo = bundle * EntryBundle.FULL_WIDTH + width;
      dedup.add(mappings, upTo);
      from = upTo;
    }
    dedupBehind = false;
  }

  /** Stops taking submissions, sequences what is pooled, and stops. */
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
  }
}
