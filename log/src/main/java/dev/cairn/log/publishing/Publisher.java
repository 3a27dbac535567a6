package dev.cairn.log.publishing;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.log.health.ComponentHealth;
import dev.cairn.log.StoppedException;
import dev.cairn.log.health.StorageFault;
import dev.cairn.log.sequencing.Sequencer;
import dev.cairn.log.storage.Lease;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.ObjectStoreReader;
import dev.cairn.log.storage.StorageException;
import dev.cairn.log.storage.StoredCheckpoint;
import dev.cairn.log.storage.TreeHead;
import dev.cairn.log.storage.Version;
import dev.cairn.log.tracing.Tracing;
import dev.cairn.merkle.Hash;
import dev.cairn.note.NoteSignature;
import dev.cairn.note.SignedNote;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes checkpoints of the integrated tree on its own clock: every interval, if the tree
 * grew. A publication, in order:
 *
 * <ol>
 *   <li>integrate what is sequenced, and take the integrated head (its tiles are durable);
 *   <li>sign it with every active key (Ed25519 or ECDSA, and ML-DSA-44);
 *   <li>hand it to the {@link CheckpointEndorser}, which may add cosignatures or refuse — on
 *       its own time, outside every lock, with a deadline;
 *   <li>swap it in as the latest checkpoint through the {@link Lease}, which appends it to the
 *       history in the same step (a checkpoint is never over tiles the object store lacks);
 *   <li>publish it as the object store's {@code checkpoint} object;
 *   <li>serve it; then delete the partial tiles it made full.
 * </ol>
 *
 * <p>A crash after the swap leaves the object store's {@code checkpoint} behind: {@link #open}
 * publishes the latest again before anything is served. A swap that throws may have taken
 * effect: the next publication asks the lease first and adopts it if it did.
 */
public final class Publisher implements Checkpoints, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);
  /** How far below the latest checkpoint {@link #open} looks for partial tiles left over. */
  private static final long SWEEP_AT_OPEN = 64L * 256;

  /**
   * A published checkpoint.
   *
   * @param checkpoint its body
   * @param note the signed note, as served
   * @param time when it was published
   */
  public record Published(Checkpoint checkpoint, byte[] note, Instant time) {}

  private final String origin;
  private final Function<String, SignedNote> signer;
  private final Sequencer sequencer;
  private final Lease lease;
  private final ObjectStore objects;
  private final ObjectStoreReader tiles;
  private final CheckpointEndorser endorser;
  private final Duration endorseTimeout;
  private final Clock clock;
  private final ScheduledExecutorService timer;

  private volatile Published published;
  private final ReentrantLock state = new ReentrantLock();
  /** Guarded by {@code state}: the version the next swap expects. */
  private Optional<Version> version;
  /**
   * Guarded by {@code state}: the note of a swap that threw, so whether it took effect is
   * unknown; null otherwise.
   */
  private byte[] unsure;
  /** Guarded by {@code state}: the object store's checkpoint lags the published one. */
  private boolean objectBehind;
  /** Guarded by {@code state}: the publication under way. */
  private CompletableFuture<Optional<Published>> inFlight;

  private final ComponentHealth health =
      new ComponentHealth("publisher", "publishing failed", LOG);
  private final Waiters waiters = new Waiters();
  private volatile Tracing tracing = Tracing.off();

  private Publisher(String origin, Function<String, SignedNote> signer, Sequencer sequencer,
      Lease lease, ObjectStore objects, CheckpointEndorser endorser, Duration endorseTimeout,
      Clock clock, Optional<StoredCheckpoint> latest) throws IOException {
    this.origin = origin;
    this.signer = signer;
    this.sequencer = sequencer;
    this.lease = lease;
    this.objects = objects;
    this.tiles = new ObjectStoreReader(objects, "the object store");
    this.endorser = endorser;
    this.endorseTimeout = endorseTimeout;
    this.clock = clock;
    this.version = latest.map(StoredCheckpoint::version);
    this.published = latest.isEmpty() ? null
        : new Published(parse(latest.get().note()), latest.get().note(), latest.get().time());
    this.timer = Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().name("cairn-publisher").daemon().factory());
  }

  /**
   * Recovers the publication state and publishes a checkpoint covering everything durably
   * sequenced, before anything is served:
   *
   * <ol>
   *   <li>The latest checkpoint must be this log's, no larger than the integrated tree, and its
   *       root must be the root of the stored tiles at its size — otherwise the data cannot
   *       back it and the log refuses to start.
   *   <li>It is published again as the object store's {@code checkpoint} (a crash may have come
   *       between the swap and that write), and partial tiles left over below it are deleted.
   *   <li>If the tree grew past it (entries acknowledged after the last publication), a new
   *       checkpoint is published now. {@link Sequencer#open} has written every acknowledged
   *       entry's tiles by then, so it covers them all. If the endorser refuses it (a witness
   *       quorum is missing), the latest checkpoint is served and the ticks try again; a new log
   *       with nothing published yet refuses to start instead.
   * </ol>
   *
   * @param signer signs a checkpoint's text with the log's active keys
   */
  public static Publisher open(String origin, Function<String, SignedNote> signer,
      Sequencer sequencer, Lease lease, ObjectStore objects, CheckpointEndorser endorser,
      Duration endorseTimeout, Clock clock) throws IOException {
    // Over a sequencer that is already running, acknowledged entries' tiles may still be on
    // their way: check the stored checkpoint against everything sequenced, not a moment's lag.
    sequencer.integrateNow();
    TreeHead integrated = sequencer.integrated();
    Optional<StoredCheckpoint> latest = lease.latest();
    Publisher p = new Publisher(origin, signer, sequencer, lease, objects, endorser,
        endorseTimeout, clock, latest);
    if (p.published != null) {
      Checkpoint c = p.published.checkpoint();
      if (!c.origin().equals(origin)) {
        throw new StorageException(StorageException.Kind.CORRUPT, "the stored checkpoint is"
            + " for origin \"" + c.origin() + "\", but this log is \"" + origin + "\"");
      }
      if (c.size() > integrated.size()) {
        throw new StorageException(StorageException.Kind.CORRUPT, "the stored checkpoint has"
            + " size " + c.size() + " but the object store holds only " + integrated.size()
            + " entries");
      }
      Hash root = p.tiles.treeHash(c.size());
      if (!root.equals(c.root())) {
        throw new StorageException(StorageException.Kind.CORRUPT, "the stored checkpoint at"
            + " size " + c.size() + " has root " + c.root() + " but the stored tiles give "
            + root);
      }
      Optional<byte[]> object = objects.get(ObjectStore.CHECKPOINT);
      if (object.isEmpty() || !Arrays.equals(object.get(), p.published.note())) {
        objects.publishCheckpoint(p.published.note());
      }
    }
    long stored = p.published == null ? -1 : p.published.checkpoint().size();
    try {
      p.publish();
    } catch (EndorsementException e) {
      if (p.published == null) {
        throw e; // a new log has nothing to serve until its first checkpoint is endorsed
      }
      // Fail-closed witnessing: the last endorsed checkpoint keeps being served, and what was
      // sequenced since is published by the first later checkpoint that is endorsed.
      LOG.warn("serving the checkpoint at size {} for now: {}", p.published.checkpoint().size(),
          e.getMessage());
    }
    // Leftover partials are swept after the first publication, which a takeover waits for.
    if (stored > 0) {
      try {
        PartialTiles.collectFull(objects, Math.max(0, stored - SWEEP_AT_OPEN), stored);
      } catch (IOException | RuntimeException e) {
        LOG.warn("couldn't delete partial tiles below the latest checkpoint: {}", e.toString());
      }
    }
    return p;
  }

  private static Checkpoint parse(byte[] note) throws IOException {
    try {
      return Checkpoint.parse(SignedNote.parse(note).text());
    } catch (RuntimeException e) {
      throw new StorageException(StorageException.Kind.CORRUPT, "the stored checkpoint is"
          + " unreadable: " + e.getMessage(), e);
    }
  }

  /**
   * Traces each publication that may grow the checkpoint: a span {@code publish}, linked to
   * the spans of the batches it publishes (see {@link Sequencer#batchSpans}), with children
   * {@code integrate} (if the publisher integrates what was sequenced), {@code sign} and, with an
   * endorser, {@code witness} (the endorser's own spans under it).
   */
  public void trace(Tracing tracing) {
    this.tracing = tracing;
  }

  /** Publishes every {@code interval} from now on. */
  public void start(Duration interval) {
    timer.scheduleAtFixedRate(this::tick, interval.toMillis(), interval.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private void tick() {
    waiters.dropAbandoned();
    try {
      publishAsync();
    } catch (RuntimeException e) {
      health.failed("publishing a checkpoint", e);
    }
  }

  /**
   * Publishes a checkpoint of the integrated tree if it grew since the last one (or if none was
   * ever published), and waits for it.
   *
   * @throws IOException if the publication failed, saying why
   */
  public void publish() throws IOException {
    try {
      publishAsync().get();
    } catch (ExecutionException e) {
      Throwable t = e.getCause() instanceof CompletionException c && c.getCause() != null
          ? c.getCause() : e.getCause();
      if (t instanceof UncheckedIOException u) {
        throw u.getCause();
      }
      throw t instanceof IOException io ? io : new IOException(t.getMessage(), t);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while publishing");
    }
  }

  /**
   * Starts a publication unless one is under way (then returns that one). Integration and
   * signing happen on the calling thread; endorsement on the endorser's own time, called after
   * the publisher's lock is released; the swap and what follows when the endorsement completes.
   * Nothing is signed or endorsed once the log stopped on a fatal fault.
   */
  public CompletableFuture<Optional<Published>> publishAsync() {
    Signed signed;
    Span span;
    CompletableFuture<Optional<Published>> result = new CompletableFuture<>();
    state.lock();
    try {
      Optional<String> stopped = stoppedReason();
      if (stopped.isPresent()) { // even with one signed before the stop still in flight
        fail(result, new StoppedException(stopped.get()));
        return result;
      }
      if (inFlight != null && !inFlight.isDone()) {
        return inFlight;
      }
      inFlight = result;
      span = publicationSpan(result);
      try (Scope scope = Tracing.current(span)) {
        signed = sign();
      } catch (IOException | RuntimeException e) {
        fail(result, e);
        return result;
      }
    } finally {
      state.unlock();
    }
    if (signed == null) {
      result.complete(Optional.empty());
      return result;
    }
    CompletableFuture<byte[]> endorsed;
    Span witnessing = span.isRecording() && endorser != CheckpointEndorser.NONE
        ? tracing.tracer().spanBuilder("witness").setParent(Context.root().with(span))
            .setAttribute("cairn.checkpoint.size", signed.checkpoint().size()).startSpan()
        : Span.getInvalid();
    try (Scope scope = Tracing.current(witnessing)) { // the endorser's spans go under it
      endorsed = endorser.endorse(signed.endorsement());
    } catch (RuntimeException failure) {
      endorsed = CompletableFuture.failedFuture(failure);
    }
    endorsed.orTimeout(endorseTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle((n, refused) -> {
          if (refused != null) {
            witnessing.setStatus(StatusCode.ERROR, unwrap(refused).toString());
          }
          witnessing.end();
          if (refused != null) {
            throw new CompletionException(
                new EndorsementException(signed.checkpoint().size(), unwrap(refused)));
          }
          return n;
        })
        .thenApply(n -> {
          try {
            return Optional.of(finish(signed, n));
          } catch (IOException failure) {
            throw new UncheckedIOException(failure);
          }
        }).whenComplete((p, failure) -> {
          if (failure != null) {
            fail(result, failure);
          } else {
            result.complete(p);
          }
        });
    return result;
  }

  /**
   * The span of a publication, ended when {@code result} completes: a root, and only if the
   * log is traced and its tree grew past the published checkpoint (else nothing is published,
   * and a span every tick would say nothing).
   */
  private Span publicationSpan(CompletableFuture<Optional<Published>> result) {
    Published last = published;
    if (!tracing.enabled()
        || last != null && sequencer.sequenced().size() <= last.checkpoint().size()) {
      return Span.getInvalid();
    }
    Span span = tracing.tracer().spanBuilder("publish").setNoParent().startSpan();
    result.whenComplete((p, failure) -> {
      if (failure != null) {
        span.setStatus(StatusCode.ERROR, unwrap(failure).toString());
      }
      span.setAttribute("cairn.published", p != null && p.isPresent());
      span.end();
    });
    return span;
  }

  private void fail(CompletableFuture<Optional<Published>> result, Throwable failure) {
    Throwable t = unwrap(failure);
    // A stopped part reports its own fault; so does an endorser that says it reports its
    // refusals (a witness quorum not met is no fault of publication's storage).
    if (!(t instanceof StoppedException)
        && !(t instanceof EndorsementException && endorser.reportsRefusals())) {
      health.failed("publishing a checkpoint", t);
    }
    result.completeExceptionally(t);
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof UncheckedIOException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** A signed checkpoint on its way to publication. */
  private record Signed(Checkpoint checkpoint, byte[] note, Instant time,
      CheckpointEndorser.Endorsement endorsement) {}

  /** Why the publisher or the writes it publishes stopped on a fatal fault, if they did. */
  private Optional<String> stoppedReason() {
    return health.stopped() ? health.fault().map(StorageFault::reason)
        : sequencer.stoppedReason();
  }

  /**
   * Called with {@code state} held: settles what is pending and signs the next checkpoint, or
   * returns null if the tree did not grow.
   */
  private Signed sign() throws IOException {
    if (unsure != null) {
      settle();
    }
    if (objectBehind) {
      objects.publishCheckpoint(published.note());
      objectBehind = false;
    }
    sequencer.integrateNow(); // cover everything acknowledged so far, if tiles can be written
    TreeHead head = sequencer.integrated();
    Published last = published;
    if (last != null && head.size() <= last.checkpoint().size()) {
      health.recovered();
      return null;
    }
    Checkpoint c = new Checkpoint(origin, head.size(), head.root());
    Span publication = Span.current();
    Span signing = Span.getInvalid();
    if (publication.isRecording()) {
      publication.setAttribute("cairn.checkpoint.size", c.size());
      sequencer.batchSpans(last == null ? 0 : last.checkpoint().size(), c.size())
          .forEach(publication::addLink);
      signing = tracing.tracer().spanBuilder("sign")
          .setAttribute("cairn.checkpoint.size", c.size()).startSpan();
    }
    byte[] note;
    try {
      note = signer.apply(c.format()).encode();
    } catch (RuntimeException e) {
      signing.setStatus(StatusCode.ERROR, e.toString());
      throw e;
    } finally {
      signing.end();
    }
    Instant time = clock.instant();
    if (last != null && time.isBefore(last.time())) {
      time = last.time(); // publication times never go backwards, so history is time-ordered
    }
    return new Signed(c, note, time, new CheckpointEndorser.Endorsement(c, note,
        Optional.ofNullable(last).map(Published::checkpoint), tiles,
        clock.instant().plus(endorseTimeout)));
  }

  /**
   * The endorsed checkpoint is ready: checks it is the one signed, swaps it in, publishes the
   * object, serves it and collects the partial tiles it made full.
   */
  private Published finish(Signed signed, byte[] endorsed) throws IOException {
    Checkpoint c = signed.checkpoint();
    Instant time = signed.time();
    checkEndorsed(signed.note(), endorsed);
    state.lock();
    try {
      Published last = published;
      try {
        version = Optional.of(lease.swap(version, c, endorsed, time));
      } catch (StorageException failure) {
        if (!failure.kind().fatal()) {
          unsure = endorsed; // it may have landed: asked before the next swap
        }
        throw failure;
      } catch (IOException | RuntimeException failure) {
        unsure = endorsed;
        throw failure;
      }
      Published p = new Published(c, endorsed, time);
      try {
        objects.publishCheckpoint(endorsed);
      } catch (IOException failure) {
        // The swap stands: serve it; the static copy catches up at the next tick.
        objectBehind = true;
        LOG.warn("couldn't write the checkpoint object (retried at the next tick): {}",
            failure.toString());
      }
      serve(p);
      collect(last == null ? 0 : last.checkpoint().size(), c.size());
      return p;
    } finally {
      state.unlock();
    }
  }

  /** The endorsed note must be the signed one, with signatures added at most. */
  private static void checkEndorsed(byte[] signed, byte[] endorsed) throws IOException {
    if (Arrays.equals(signed, endorsed)) {
      return;
    }
    SignedNote before = SignedNote.parse(signed);
    SignedNote after;
    try {
      after = SignedNote.parse(endorsed);
    } catch (RuntimeException e) {
      throw new IOException("the endorser returned an unreadable note: " + e.getMessage(), e);
    }
    List<NoteSignature> kept = after.signatures();
    if (!after.text().equals(before.text())
        || !before.signatures().stream().allMatch(s -> kept.stream().anyMatch(k ->
            Arrays.equals(k.signature(), s.signature()) && k.isBy(s.name(), s.keyId())))) {
      throw new IOException("the endorser changed the checkpoint or dropped the log's"
          + " signatures; refusing to publish it");
    }
  }

  /**
   * After a swap that threw: asks the lease whether it took effect. If the latest checkpoint is
   * the note this publisher tried to swap in, it landed (and is in the history): adopt and serve
   * it. If it is still the published one, it did not. Anything else was swapped in by someone
   * else: this publisher stops rather than overwrite it.
   */
  private void settle() throws IOException {
    Optional<StoredCheckpoint> latest = lease.latest();
    Published last = published;
    byte[] tried = unsure;
    if (latest.isPresent() && Arrays.equals(latest.get().note(), tried)) {
      Checkpoint c = parse(tried);
      LOG.info("the swap of the checkpoint at size {} took effect although it reported an"
          + " error; serving it", c.size());
      Published p = new Published(c, tried, latest.get().time());
      objects.publishCheckpoint(p.note());
      serve(p);
      collect(last == null ? 0 : last.checkpoint().size(), c.size());
    } else if (latest.isPresent() != (last != null)
        || last != null && !Arrays.equals(latest.get().note(), last.note())) {
      throw new StorageException(StorageException.Kind.CONFLICT, "the latest checkpoint is"
          + " neither the published one nor the one this publisher tried to swap in: another"
          + " process is publishing this log");
    }
    version = latest.map(StoredCheckpoint::version);
    unsure = null;
  }

  private void collect(long after, long size) {
    try {
      PartialTiles.collect(objects, after, size);
    } catch (IOException | RuntimeException e) {
      // Only disk space: the partial tiles are correct, and collected with a later checkpoint.
      LOG.warn("couldn't delete partial tiles made full by the checkpoint at size {}: {}",
          size, e.toString());
    }
  }

  private void serve(Published p) {
    published = p;
    health.recovered();
    waiters.published(p);
  }

  /** The latest published checkpoint; present once {@link #open} returned. */
  @Override
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
  @Override
  public CompletableFuture<Published> awaitSize(long size) {
    return waiters.await(size, () -> published);
  }

  /** Waiters still queued, for tests and metrics. */
  int waiting() {
    return waiters.size();
  }

  /** Stops the clock; a publication under way finishes. */
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
