package dev.cairn.log;

import dev.cairn.log.health.ComponentHealth;
import dev.cairn.log.storage.TreeTiles;
import dev.cairn.log.publishing.CheckpointEndorser;
import dev.cairn.log.publishing.Publisher;
import dev.cairn.log.sequencing.Sequencer;
import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.log.storage.Coordinator;
import dev.cairn.log.storage.Lease;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.ObjectStoreReader;
import dev.cairn.log.storage.embedded.DataDir;
import dev.cairn.log.storage.embedded.HashDedupIndex;
import dev.cairn.log.tracing.Tracing;
import dev.cairn.note.SignerKey;
import dev.cairn.verify.LogVerifier;
import dev.cairn.verify.VerificationException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;


/**
 * A running log: the sequencer, the publisher and their storage, wired together. Its storage is
 * the embedded backend in one data directory ({@link DataDir}): the object store in {@code
 * tiles/} (a static tlog-tiles log) and the coordinator beside it. The log's roles reach
 * storage only through the {@link ObjectStore} and {@link Coordinator} seams.
 *
 * <p>{@link #open} recovers and publishes a checkpoint over everything durably sequenced before
 * it returns, so a caller may serve as soon as it has the log.
 */
public final class TransparencyLog implements ServedLog, AutoCloseable {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(TransparencyLog.class);
  private final DataDir dir;
  private final LogKeys keys;
  private final Lease lease;
  private final Sequencer sequencer;
  private final Publisher publisher;
  private final LogMetrics metrics;
  private final Clock clock;
  private final TreeTiles tiles;
  private final CheckpointEndorser endorser;
  private final Tracing tracing;
  private final java.util.concurrent.atomic.AtomicBoolean closed =
      new java.util.concurrent.atomic.AtomicBoolean();

  private TransparencyLog(DataDir dir, LogKeys keys, Lease lease, Sequencer sequencer,
      Publisher publisher, LogMetrics metrics, Clock clock, CheckpointEndorser endorser,
      Tracing tracing) {
    this.endorser = endorser;
    this.tracing = tracing;
    this.dir = dir;
    this.keys = keys;
    this.lease = lease;
    this.sequencer = sequencer;
    this.publisher = publisher;
    this.metrics = metrics;
    this.clock = clock;
    this.tiles = new TreeTiles(new ObjectStoreReader(dir.objects(), "the log's tiles"),
        () -> publisher.latest().checkpoint().size());
  }

  /** Opens (creating on first use) the log in {@code config.dataDir()} and starts it. */
  public static TransparencyLog open(LogConfig config) throws IOException {
    Path path = config.dataDir().toAbsolutePath().normalize();
    long t0 = System.nanoTime();
    // The keys wait for the data directory's lock (a new log writes them), but the code that
    // signs with them can load now, beside the storage's open: docs/design/start-up.md.
    Thread.ofPlatform().daemon().name("cairn-signing-code").start(() -> {
      try {
        SignerKey.loadSigningCode();
      } catch (Throwable e) {
        LOG.debug("loading the signing code ahead failed; the keys will load it", e);
      }
    });
    DataDir dir = DataDir.open(path, config.clock(), config.tileSyncDelay());
    Lease lease = null;
    Sequencer sequencer = null;
    CompletableFuture<LogKeys> loadingKeys = null;
    try {
      // Deriving the keys (Ed25519 tables, ML-DSA-44 expansion) takes a cold JVM ~0.5 s: do it
      // beside the storage recovery, which does not need them.
      loadingKeys = CompletableFuture.supplyAsync(() -> {
        try {
          return LogKeys.loadOrCreate(path, config.origin(), config.hsm(), config.clock());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }, runnable -> Thread.ofPlatform().name("cairn-keys").start(runnable));
      long t1 = System.nanoTime();
      LogMetrics metrics = new LogMetrics();
      config.endorser().watch(metrics);
      config.endorser().trace(config.tracing());
      lease = dir.coordinator().acquire(config.nodeId());
      sequencer = Sequencer.open(dir.objects(), lease, config.sequencing(), metrics);
      sequencer.trace(config.tracing());
      long t2 = System.nanoTime();
      LogKeys keys;
      try {
        keys = loadingKeys.join();
      } catch (CompletionException e) {
        throw e.getCause() instanceof UncheckedIOException u ? u.getCause()
            : new IOException(e.getCause());
      }
      checkStoredCheckpoint(dir.coordinator(), keys);
      Publisher publisher = Publisher.open(keys.origin(),
          metrics.countingFailures(keys::sign), sequencer, lease,
          dir.objects(), config.endorser(), config.endorseTimeout(), config.clock());
      publisher.trace(config.tracing());
      LOG.info("opened {} at size {} in {} ms (storage {} ms, recovery {} ms, then keys and"
          + " publication {} ms)", keys.origin(), sequencer.sequenced().size(),
          (System.nanoTime() - t0) / 1_000_000, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000,
          (System.nanoTime() - t2) / 1_000_000);
      sequencer.limitUnpublished(() -> publisher.latest().checkpoint().size(),
          config.maxUnpublished());
      Sequencer s = sequencer;
      metrics.watch(s::poolDepth, s::poolBytes, s::backlogBytes, () -> s.sequenced().size(),
          () -> publisher.latest().checkpoint().size(), () -> publisher.latest().time(),
          () -> s.fault().isEmpty() && publisher.fault().isEmpty(), config.clock());
      metrics.watchHealth(health(sequencer, publisher));
      metrics.watchFreshnessObjective(config.freshnessObjective());
      metrics.watchDataDir(path);
      HashDedupIndex dedup = dir.dedup();
      metrics.watchDedupIndex(dedup::copiedBytes, dedup::memoryBudget, dedup::unsynced,
          dedup::syncedAt, dedup::syncFailures);
      sequencer.start();
      publisher.start(config.checkpointInterval());
      return new TransparencyLog(dir, keys, lease, sequencer, publisher, metrics,
          config.clock(), config.endorser(), config.tracing());
    } catch (IOException | RuntimeException e) {
      if (loadingKeys != null) {
        // It writes into the data directory (a new log's keys, log.vkey): let it finish first.
        loadingKeys.exceptionally(failure -> null).join();
      }
      if (sequencer != null) {
        sequencer.close();
      }
      if (lease != null) {
        lease.close();
      }
      dir.close();
      throw e;
    }
  }

  /** Refuses a stored latest checkpoint that this log's keys did not sign. */
  private static void checkStoredCheckpoint(Coordinator coordinator, LogKeys keys)
      throws IOException {
    var latest = coordinator.latest();
    if (latest.isEmpty()) {
      return;
    }
    try {
      LogVerifier.ofLogKeys(keys.verifierKeyList()).verifyCheckpoint(latest.get().note());
    } catch (VerificationException e) {
      throw new IOException("the stored checkpoint is unreadable or not signed by this log's"
          + " keys: " + e.getMessage());
    }
  }

  /** The data directory. */
  @Override
  public Path dataDir() {
    return dir.path();
  }

  /** The origin and keys. */
  @Override
  public LogKeys keys() {
    return keys;
  }

  /** The tiles and bundles. */
  public ObjectStore objects() {
    return dir.objects();
  }

  /**
   * The tiles and bundles of the published tree, read as a tlog-tiles log: any width within
   * the latest checkpoint.
   */
  @Override
  public TreeTiles tiles() {
    return tiles;
  }

  /** The coordination: the latest checkpoint, the history, lookups by leaf hash. */
  @Override
  public Coordinator coordinator() {
    return dir.coordinator();
  }

  /** The sequencer, for submissions. */
  public Sequencer sequencer() {
    return sequencer;
  }

  /** What checkpoints go through before publication: the witness quorum, if any. */
  @Override
  public CheckpointEndorser endorser() {
    return endorser;
  }

  @Override
  public dev.cairn.log.sequencing.Submissions submissions() {
    return sequencer;
  }

  @Override
  public dev.cairn.log.publishing.Checkpoints checkpoints() {
    return publisher;
  }

  /** The publisher, for the latest checkpoint. */
  public Publisher publisher() {
    return publisher;
  }

  /** Every published checkpoint. */
  @Override
  public CheckpointHistory history() {
    return dir.coordinator().history();
  }

  /**
   * Starts copying the dedup index into memory. Not in {@link #open}: the copy (10 GB at 100 M
   * entries) took the CPU and the disk from the rest of the start, to {@code /readyz}.
   */
  @Override
  public void serving() {
    dir.dedup().warmInBackground();
  }

  /**
   * The health of each part that writes — sequencer, integrator, publisher — for readiness and
   * metrics.
   */
  @Override
  public List<ComponentHealth> health() {
    return health(sequencer, publisher);
  }

  private static List<ComponentHealth> health(Sequencer sequencer, Publisher publisher) {
    List<ComponentHealth> parts = new ArrayList<>(sequencer.health());
    parts.add(publisher.health());
    return List.copyOf(parts);
  }

  /** The metrics. */
  @Override
  public LogMetrics metrics() {
    return metrics;
  }

  @Override
  public Tracing tracing() {
    return tracing;
  }

  /** The clock. */
  public Clock clock() {
    return clock;
  }

  /**
   * Stops: sequences what is pooled, publishes it, and releases the data directory.
   */
  @Override
  public void close() throws IOException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      sequencer.close();
      publisher.close();
      if (sequencer.stoppedReason().isEmpty()) {
        try {
          publisher.publish();
        } catch (dev.cairn.log.publishing.EndorsementException e) {
          // Durable and acknowledged: published by the first endorsed checkpoint after a start.
          LOG.warn("closing without publishing the last entries: {}", e.getMessage());
        }
      }
    } finally {
      lease.close();
      dir.close();
    }
  }
}
