package dev.cairn.log.sequencing;

import dev.cairn.log.PushbackException;
import dev.cairn.log.StoppedException;
import dev.cairn.log.health.ComponentHealth;
import dev.cairn.log.health.StorageFault;
import dev.cairn.log.storage.Lease;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.ObjectStoreReader;
import dev.cairn.log.storage.TreeHead;
import dev.cairn.log.tracing.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sequences pooled submissions in batches: at most every {@link SequencerConfig#interval()},
 * and at once when a batch is full. Each batch is committed through the {@link Lease} — indices
 * and deduplication at once, one durable write — before any index is acknowledged; its bundles
 * and tiles then go to the object store behind it (see {@link Integrator}).
 *
 * <p>In memory it keeps the tree's right edge, one partial tile per level and the entries of the
 * partial bundle ({@link WorkingTree}); start-up reads only the batches the object store does
 * not yet hold ({@link Recovery}). One platform thread sequences; submitters never block on it:
 * they get a future, completed on that thread.
 */
public final class Sequencer implements Submissions, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Sequencer.class);
  /**
   * Bytes of objects not yet in the object store beyond which sequencing waits for them to be
   * written (and so, as the pool fills, pushes back). Counted in bytes: a bundle of large
   * entries holds 16 MiB, so a bound in objects bounds nothing.
   */
  private static final long MAX_BACKLOG_BYTES = 128L << 20;
  /**
   * The most links a batch's span has to the spans of the requests it sequenced (and the most
   * batch spans a publication remembers): a span's links are kept in memory until it ends and
   * sent with it, so a batch of 4,096 entries from as many requests links to the first ones.
   */
  public static final int MAX_LINKS = 128;

  /** Where a submission ended up. */
  public record Added(long index, boolean duplicate) {}

  /** Told about every batch, and every integration of batches, for metrics. */
  @FunctionalInterface
  public interface BatchObserver {
    /** A batch of {@code entries} submissions ({@code fresh} of them new) took {@code nanos}. */
    void batch(int entries, int fresh, long nanos, boolean ok);

    /**
     * An integration of {@code objects} bundles and tiles ({@code bytes} in all) took
     * {@code nanos}; it failed unless {@code ok}, and is then retried.
     */
    default void integration(int objects, long bytes, long nanos, boolean ok) {}
  }

  private final Lease lease;
  private final ObjectStoreReader stored;
  private final Pool pool;
  private final BatchObserver observer;
  private final Integrator integrator;
  private final ComponentHealth health =
      new ComponentHealth("sequencer", "sequencing failed", LOG);
  private final Thread thread;
  private volatile TreeHead sequenced;
  /** The published size, against which {@link #maxUnpublished} is counted. */
  private volatile LongSupplier published = () -> 0;
  private volatile long maxUnpublished = Long.MAX_VALUE;
  /** How often an idle sequencer commits an empty batch, adopting other nodes' commits. */
  private volatile Optional<Duration> adoptEvery = Optional.empty();
  private volatile Tracing tracing = Tracing.off();
  /** Guarded by itself: the spans of the latest batches, for the publications that cover them. */
  private final ArrayDeque<TracedBatch> traced = new ArrayDeque<>();

  /** A batch's span, and the tree size the batch brought the log to. */
  private record TracedBatch(long size, SpanContext span) {}

  // Owned by the sequencing thread.
  private WorkingTree tree;

  private Sequencer(ObjectStore objects, Lease lease, SequencerConfig config,
      BatchObserver observer, Recovery.Recovered recovered) {
    this.lease = lease;
    this.stored = new ObjectStoreReader(objects, "the object store");
    this.pool = new Pool(config);
    this.observer = observer;
    this.tree = recovered.tree();
    this.sequenced = recovered.tree().head();
    this.integrator = new Integrator(objects, lease, recovered.integrated(),
        config.integrationSpacing(), observer);
    this.thread = Thread.ofPlatform().name("cairn-sequencer").daemon().unstarted(this::run);
  }

  /**
   * Opens the sequencer over the durable state {@code lease} holds and writes the tiles of every
   * committed batch the object store lacks, so that everything acknowledged before a crash is
   * publishable when this returns. Call {@link #start()} to begin sequencing.
   *
   * @throws IOException if the stored state is unreadable or inconsistent, saying where
   */
  public static Sequencer open(ObjectStore objects, Lease lease, SequencerConfig config,
      BatchObserver observer) throws IOException {
    Recovery.Recovered recovered = Recovery.run(new ObjectStoreReader(objects,
        "the object store"), lease, objects, Recovery.CHUNK_BYTES);
    Sequencer s = new Sequencer(objects, lease, config, observer, recovered);
    if (recovered.tree().size() > recovered.integrated().size()) {
      TreeHead head = recovered.tree().head();
      LOG.info("recovering {} entries from the sequence log (size {} to {})",
          head.size() - recovered.integrated().size(), recovered.integrated().size(),
          head.size());
      s.integrator.handOff(recovered.writes(), head);
      if (!s.integrator.integrateNow()) {
        throw new IOException("couldn't write the recovered entries' tiles: "
            + s.integrator.fault().orElse("unknown failure"));
      }
    }
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
    return pool.depth();
  }

  /** Bytes of the entries waiting for a batch or being sequenced. */
  public long poolBytes() {
    return pool.bytes();
  }

  /** Bytes of the sequenced bundles and tiles not yet written to the object store. */
  public long backlogBytes() {
    return integrator.backlogBytes();
  }

  /**
   * Submits one entry. The future completes with its index once that index is durable, or fails
   * with {@link PushbackException} if the batch could not be sequenced (or {@link
   * StoppedException} once the log stopped).
   *
   * @throws PushbackException if the pool is full
   * @throws dev.cairn.log.BadInputException if the entry is empty or longer than 65,535 bytes
   */
  @Override
  public CompletableFuture<Added> add(byte[] entry) {
    return addAll(List.of(entry)).get(0);
  }

  /**
   * Submits entries together: all of them are pooled, or none (pushback) if they do not fit.
   *
   * @throws PushbackException if the pool cannot take them all
   * @throws dev.cairn.log.BadInputException if an entry is empty or longer than 65,535 bytes
   */
  @Override
  public List<CompletableFuture<Added>> addAll(List<byte[]> entries) {
    stoppedReason().ifPresent(reason -> {
      throw new StoppedException(reason);
    });
    long unpublished = sequenced.size() - published.getAsLong();
    if (unpublished > maxUnpublished) {
      throw new PushbackException(unpublished + " acknowledged entries wait for a checkpoint"
          + " (the most allowed is " + maxUnpublished + "); publication is held back, see"
          + " /readyz", Duration.ofSeconds(5));
    }
    return pool.add(entries);
  }

  /**
   * Pushes writers back while more than {@code max} sequenced entries are not covered by the
   * published checkpoint: when publication is held back (a witness quorum is missing), the
   * backlog of acknowledged but unpublished entries stays bounded.
   */
  public void limitUnpublished(LongSupplier publishedSize, long max) {
    if (max < 1) {
      throw new IllegalArgumentException("the unpublished limit must be at least 1, got " + max);
    }
    this.published = publishedSize;
    this.maxUnpublished = max;
  }

  /**
   * Where other processes commit batches too (a cluster's nodes, through {@link
   * dev.cairn.log.storage.Coordinator#commit}): while idle, commits an empty batch every {@code
   * period}, which builds what they committed into the tree and hands its tiles to integration.
   */
  public void adoptCommitsEvery(Duration period) {
    this.adoptEvery = Optional.of(period);
  }

  /**
   * Traces each batch (a span {@code sequence} linked to the spans of the requests whose entries
   * it sequenced, at most {@link #MAX_LINKS}) and each integration ({@code integrate}, linked
   * to the batches whose tiles it wrote).
   */
  public void trace(Tracing tracing) {
    this.tracing = tracing;
    integrator.trace(tracing);
  }

  /**
   * The spans of the latest batches (at most {@link #MAX_LINKS}) that grew the tree past {@code
   * after}, up to {@code size}: what a checkpoint of {@code size} publishes since one of {@code
   * after}.
   */
  public List<SpanContext> batchSpans(long after, long size) {
    List<SpanContext> spans = new ArrayList<>();
    synchronized (traced) {
      for (TracedBatch b : traced) {
        if (b.size() > after && b.size() <= size) {
          spans.add(b.span());
        }
      }
    }
    return spans;
  }

  /** Why the log stopped taking writes (a fatal fault), if it did. */
  public Optional<String> stoppedReason() {
    for (ComponentHealth h : health()) {
      if (h.stopped()) {
        return h.fault().map(StorageFault::reason);
      }
    }
    return Optional.empty();
  }

  private void run() {
    pool.drain(() -> health.fault().isPresent() && !health.stopped()
        ? Optional.of(pool.retryAfter()) : adoptEvery, this::sequence);
  }

  /**
   * Sequences one batch. The crash-safe order:
   *
   * <ol>
   *   <li>Commit the batch through the lease: entries already in the log get their index, the
   *       others the next indices, and the tree grows by them in memory (bundles and tiles).
   *       From this durable write on, the indices are final and survive any crash.
   *   <li>Hand the new bundles and tiles to the integrator, which writes them to the object
   *       store before a checkpoint may cover them.
   *   <li>Acknowledge the indices.
   * </ol>
   *
   * <p>If the commit fails, nothing is acknowledged, the submissions fail with pushback, and the
   * tree is rebuilt from what is durable (a commit that reported an error may still have
   * landed; the retried submission then finds it as a duplicate). An empty batch is a probe,
   * run while failing and idle, so that readiness comes back without waiting for a writer.
   */
  private void sequence(List<Pool.Pending> batch) {
    long started = System.nanoTime();
    int fresh = 0;
    boolean ok = false;
    Span span = batch.isEmpty() || !tracing.enabled() ? Span.getInvalid() : batchSpan(batch);
    Scope scope = Tracing.current(span);
    try {
      Optional<String> stopped = stoppedReason();
      if (stopped.isPresent()) {
        throw new StoppedException(stopped.get());
      }
      if (tree == null) {
        reset();
      }
      // While tiles cannot be written, stop acknowledging: retry here first, so a passing
      // fault costs one batch nothing and a lasting one pushes writers back.
      if (integrator.fault().isPresent() || integrator.backlogBytes() > MAX_BACKLOG_BYTES) {
        if (!integrator.integrateNow()) {
          throw new TilesFailing(integrator.fault().orElse("cannot write tiles"));
        }
      }
      List<Lease.Submission> submissions = new ArrayList<>(batch.size());
      for (Pool.Pending p : batch) {
        submissions.add(new Lease.Submission(p.entry(), p.leafHash()));
      }
      List<Map<String, byte[]>> writes = new ArrayList<>(1);
      WorkingTree t = tree;
      Lease.Assignment a = lease.assign(submissions, (start, entries, hashes) -> {
        writes.add(t.append(entries, hashes));
        return t.head();
      });
      sequenced = a.head();
      if (!writes.isEmpty()) {
        integrator.handOff(writes.getFirst(), a.head(), span.getSpanContext());
      }
      for (int i = 0; i < batch.size(); i++) {
        if (!a.duplicates()[i]) {
          fresh++;
        }
        batch.get(i).result().complete(new Added(a.indices()[i], a.duplicates()[i]));
      }
      health.recovered();
      ok = true;
    } catch (IOException | RuntimeException e) {
      RuntimeException failure;
      if (e instanceof StoppedException s) {
        failure = s;
      } else if (e instanceof TilesFailing) {
        LOG.debug("refused a batch of {} entries: {}", batch.size(), e.getMessage());
        failure = PushbackException.fault("the log could not store the entry: "
            + e.getMessage(), pool.retryAfter());
      } else {
        StorageFault f = health.failed(batch.isEmpty() ? "probing storage after a failure"
            : "sequencing a batch of " + batch.size() + " entries at size " + sequenced.size(),
            e);
        failure = f.fatal() ? new StoppedException(f.reason())
            : PushbackException.fault("the log could not store the entry: " + f.reason(),
                pool.retryAfter());
      }
      for (Pool.Pending p : batch) {
        p.result().completeExceptionally(failure);
      }
      tree = null; // rebuilt from what is durable before the next batch
      span.setStatus(StatusCode.ERROR, failure.getMessage());
    } finally {
      scope.close();
      if (span.isRecording()) {
        span.setAttribute("cairn.batch.fresh", fresh);
        span.setAttribute("cairn.tree.size", sequenced.size());
        span.end();
        if (ok) {
          remember(new TracedBatch(sequenced.size(), span.getSpanContext()));
        }
      }
      pool.done(batch);
      try {
        if (!batch.isEmpty()) {
          observer.batch(batch.size(), fresh, System.nanoTime() - started, ok);
        }
      } catch (RuntimeException e) {
        LOG.warn("batch observer failed: {}", e.toString());
      }
    }
  }

  /**
   * A batch's span, a root: linked to the spans of the requests whose entries it sequences (an
   * /add-batch's entries share one), at most {@link #MAX_LINKS} of them.
   */
  private Span batchSpan(List<Pool.Pending> batch) {
    SpanBuilder b = tracing.tracer().spanBuilder("sequence").setNoParent()
        .setAttribute("cairn.batch.entries", batch.size());
    Set<SpanContext> requests = new HashSet<>();
    for (Pool.Pending p : batch) {
      SpanContext c = p.submitter();
      if (c.isValid() && requests.add(c) && requests.size() <= MAX_LINKS) {
        b.addLink(c);
      }
    }
    return b.setAttribute("cairn.batch.requests", requests.size()).startSpan();
  }

  private void remember(TracedBatch b) {
    synchronized (traced) {
      if (traced.size() == MAX_LINKS) {
        traced.removeFirst();
      }
      traced.addLast(b);
    }
  }

  /**
   * After a failed batch, rebuilds the tree from what is durable; the objects of batches beyond
   * the integrated head are handed to the integrator again (it may have lost them).
   */
  private void reset() throws IOException {
    // No integration meanwhile: it would let the sequence log drop batches this is reading.
    Recovery.Recovered r;
    try (Integrator.Paused paused = integrator.pause()) {
      r = Recovery.run(stored, lease);
      if (!r.writes().isEmpty()) {
        integrator.handOff(r.writes(), r.tree().head());
      }
    }
    if (r.tree().size() != sequenced.size()) {
      LOG.warn("the durable tree is at size {}, not {}; continuing from it", r.tree().size(),
          sequenced.size());
    }
    tree = r.tree();
    sequenced = r.tree().head();
  }

  /** Tiles cannot be written: the integrator's fault, which pushes writers back. */
  private static final class TilesFailing extends IOException {
    private static final long serialVersionUID = 1L;

    TilesFailing(String reason) {
      super(reason);
    }
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
    pool.close();
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
