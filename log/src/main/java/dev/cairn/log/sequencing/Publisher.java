package dev.cairn.log.sequencing;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Proofs;
import dev.cairn.note.NoteSigner;
import dev.cairn.note.SignedNote;
import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.log.storage.CheckpointStore;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.StoredTiles;
import dev.cairn.log.storage.TreeHead;
import dev.cairn.tile.TileHashReader;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signs and publishes checkpoints over the sequenced tree on its own clock: every interval, if
 * the tree grew. Each checkpoint carries every configured signature (Ed25519 and ML-DSA-44).
 *
 * <p>Publication order: sign; compare-and-swap the {@link CheckpointStore}; append to the {@link
 * CheckpointHistory}; only then serve it. A crash between the swap and the append is repaired by
 * {@link #open} before anything is served, so every checkpoint ever served is in the history.
 * A swap that fails with an error may still have landed; the next publication reads the store
 * first and, if it did, writes it again (durably) and appends it before going on.
 */
public final class Publisher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);

  /**
   * A published checkpoint.
   *
   * @param checkpoint its body
   * @param note the signed note, as served
   * @param time when it was published
   */
  public record Published(Checkpoint checkpoint, byte[] note, Instant time) {}

  private final String origin;
  private final Supplier<List<NoteSigner>> signers;
  private final Sequencer sequencer;
  private final CheckpointStore store;
  private final CheckpointHistory history;
  private final Clock clock;
  private final ScheduledExecutorService timer;

  private volatile Published published;
  /** The checkpoint in the store; ahead of {@link #published} while its history append fails. */
  private Published stored;
  /**
   * A checkpoint whose swap into the store failed with an error: it may have landed (a rename
   * that happened before a failed directory sync), so the store is read before the next swap.
   */
  private Published unsure;
  private final ComponentHealth health =
      new ComponentHealth("publisher", "publishing failed", LOG);
  /**
   * Callers waiting for a checkpoint to cover a size, oldest first: a publication answers them in
   * that order, so the longest-waiting writer is answered first (a future's own dependents would
   * run newest first).
   */
  private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();

  private record Waiter(long size, CompletableFuture<Published> published) {}

  private Publisher(String origin, Supplier<List<NoteSigner>> signers, Sequencer sequencer,
      CheckpointStore store, CheckpointHistory history, Clock clock, Published published) {
    this.origin = origin;
    this.signers = signers;
    this.sequencer = sequencer;
    this.store = store;
    this.history = history;
    this.clock = clock;
    this.published = published;
    this.stored = published;
    this.timer = Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().name("cairn-publisher").daemon().factory());
  }

  /**
   * Recovers the publication state and publishes a checkpoint covering everything durably
   * sequenced, before anything is served:
   *
   * <ol>
   *   <li>The stored latest checkpoint must be this log's, no larger than the sequenced tree,
   *       and its root must be the root of the stored tiles at its size — otherwise the data
   *       cannot back it and the log refuses to start.
   *   <li>If the history lacks it (a crash after the swap), it is appended.
   *   <li>If the tree grew past it (entries acknowledged after the last publication), a new
   *       checkpoint is published now. {@link Sequencer#open} has written every acknowledged
   *       entry's tiles by then, so it covers them all.
   * </ol>
   */
  public static Publisher open(String origin, List<NoteSigner> signers, Sequencer sequencer,
      ObjectStore objects, CheckpointStore store, CheckpointHistory history, Clock clock)
      throws IOException {
    List<NoteSigner> fixed = List.copyOf(signers);
    return open(origin, () -> fixed, sequencer, objects, store, history, clock);
  }

  /**
   * As {@link #open(String, List, Sequencer, ObjectStore, CheckpointStore, CheckpointHistory,
   * Clock)}, asking {@code signers} for the active signers at each checkpoint (keys rotate).
   */
  public static Publisher open(String origin, Supplier<List<NoteSigner>> signers,
      Sequencer sequencer, ObjectStore objects, CheckpointStore store,
      CheckpointHistory history, Clock clock) throws IOException {
    Published latest = null;
    Optional<byte[]> stored = store.latest();
    // Over a sequencer that is already running, acknowledged entries' tiles may still be on
    // their way: check the stored checkpoint against everything sequenced, not a moment's lag.
    sequencer.integrateNow();
    TreeHead sequenced = sequencer.integrated();
    if (stored.isPresent()) {
      Checkpoint c = parse(stored.get());
      if (!c.origin().equals(origin)) {
        throw new IOException("the stored checkpoint is for origin \"" + c.origin()
            + "\", but this log is \"" + origin + "\"");
      }
      if (c.size() > sequenced.size()) {
        throw new IOException("the stored checkpoint has size " + c.size()
            + " but only " + sequenced.size() + " entries are sequenced");
      }
      Hash root = Proofs.treeHash(
          new TileHashReader(sequenced.size(), StoredTiles.reader(objects)), c.size());
      if (!root.equals(c.root())) {
        throw new IOException("the stored checkpoint at size " + c.size() + " has root "
            + c.root() + " but the stored tiles give " + root);
      }
      Optional<CheckpointHistory.Entry> last = history.last();
      Instant time = clock.instant();
      if (last.isEmpty() || last.get().size() < c.size()) {
        LOG.warn("the history lacks the latest checkpoint (size {}); appending it", c.size());
        if (last.isPresent() && time.isBefore(last.get().time())) {
          time = last.get().time();
        }
        history.append(new CheckpointHistory.Entry(c.size(), time, stored.get()));
      } else if (last.get().size() == c.size()) {
        time = last.get().time();
      } else {
        throw new IOException("the history holds size " + last.get().size()
            + ", beyond the stored latest checkpoint at size " + c.size());
      }
      latest = new Published(c, stored.get(), time);
    }
    Publisher p = new Publisher(origin, signers, sequencer, store, history, clock, latest);
    p.publish();
    return p;
  }

  private static Checkpoint parse(byte[] note) throws IOException {
    try {
      return Checkpoint.parse(SignedNote.parse(note).text());
    } catch (RuntimeException e) {
      throw new IOException("the stored checkpoint is unreadable: " + e.getMessage());
    }
  }

  /** Publishes every {@code interval} from now on. */
  public void start(Duration interval) {
    timer.scheduleAtFixedRate(this::publishQuietly, interval.toMillis(), interval.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private void publishQuietly() {
    waiters.removeIf(w -> w.published().isDone()); // timed out or cancelled
    try {
      publish();
    } catch (IOException | RuntimeException e) {
      health.failed("publishing a checkpoint", e);
    }
  }

  /**
   * Publishes a checkpoint of the integrated tree (whose tiles are all durable) if it grew since
   * the last one (or if none was ever published).
   */
  public synchronized void publish() throws IOException {
    if (unsure != null) {
      settleUnsure();
    }
    if (stored != published) {
      // The last checkpoint was swapped in but its history append failed: finish that first,
      // so the history keeps every checkpoint before any is served.
      history.append(new CheckpointHistory.Entry(stored.checkpoint().size(), stored.time(),
          stored.note()));
      serve(stored);
    }
    sequencer.integrateNow(); // cover everything acknowledged so far, if the tiles can be written
    TreeHead head = sequencer.integrated();
    Published last = published;
    if (last != null && head.size() <= last.checkpoint().size()) {
      health.recovered();
      return;
    }
    Checkpoint c = new Checkpoint(origin, head.size(), head.root());
    byte[] note = SignedNote.sign(c.format(), signers.get()).encode();
    Instant time = clock.instant();
    if (last != null && time.isBefore(last.time())) {
      time = last.time(); // publication times never go backwards, so history is time-ordered
    }
    Published p = new Published(c, note, time);
    boolean swapped;
    try {
      swapped = last == null ? store.create(note) : store.compareAndSwap(last.note(), note);
    } catch (IOException | RuntimeException e) {
      unsure = p;
      throw e;
    }
    if (!swapped) {
      throw new IOException("the latest checkpoint changed under this publisher: another"
          + " process is publishing this log");
    }
    stored = p;
    history.append(new CheckpointHistory.Entry(c.size(), time, note));
    serve(p);
  }

  /**
   * Finds out whether the swap that failed landed. If the store holds it, it is written again
   * (durably, this time) and then adopted as stored: appended to the history and served like
   * any other. If the store still holds the previous checkpoint, it did not land.
   */
  private void settleUnsure() throws IOException {
    Published u = unsure;
    Optional<byte[]> now = store.latest();
    if (now.isPresent() && Arrays.equals(now.get(), u.note())) {
      if (!store.compareAndSwap(u.note(), u.note())) {
        throw new IOException("the latest checkpoint changed under this publisher: another"
            + " process is publishing this log");
      }
      stored = u;
    } else if (stored == null ? now.isPresent()
        : now.isEmpty() || !Arrays.equals(now.get(), stored.note())) {
      throw new IOException("the latest checkpoint changed under this publisher: another"
          + " process is publishing this log");
    }
    unsure = null;
  }

  private void serve(Published p) {
    published = p;
    health.recovered();
    long size = p.checkpoint().size();
    for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
      Waiter w = it.next();
      if (w.size() <= size || w.published().isDone()) {
        it.remove();
        w.published().complete(p);
      }
    }
  }

  /** The latest published checkpoint; present once {@link #open} returned. */
  public Published latest() {
    return published;
  }

  /** Why the last publication failed, if it did. */
  public Optional<String> fault() {
    return health.fault().map(StorageFault::reason);
  }

  /** The health of publication. */
  public ComponentHealth health() {
    return health;
  }

  /**
   * Completes with the first published checkpoint of at least {@code size} entries. A caller
   * that gives up may cancel the future (or let it time out); it is dropped at the next tick.
   */
  public CompletableFuture<Published> awaitSize(long size) {
    Published p = published;
    if (p != null && p.checkpoint().size() >= size) {
      return CompletableFuture.completedFuture(p);
    }
    CompletableFuture<Published> f = new CompletableFuture<>();
    waiters.add(new Waiter(size, f));
    // A publication between the check above and the enqueue may have missed this waiter.
    p = published;
    if (p != null && p.checkpoint().size() >= size) {
      f.complete(p);
    }
    return f;
  }

  /** Waiters still queued, for tests and metrics. */
  int waiting() {
    return waiters.size();
  }

  @Override
  public void close() {
    timer.shutdown();
    try {
      timer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
