package dev.cairn.log;

import dev.cairn.log.backup.Restore;
import dev.cairn.log.sequencing.ComponentHealth;
import dev.cairn.log.sequencing.Publisher;
import dev.cairn.log.sequencing.Sequencer;
import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.log.storage.DedupIndex;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.embedded.DataDirLock;
import dev.cairn.log.storage.embedded.LocalCheckpointStore;
import dev.cairn.log.storage.embedded.LocalObjectStore;
import dev.cairn.log.storage.embedded.LocalSequenceLog;
import dev.cairn.log.storage.embedded.LocalTreeStateStore;
import dev.cairn.log.storage.embedded.RocksIndex;
import dev.cairn.verify.LogVerifier;
import dev.cairn.verify.VerificationException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A running log on the embedded storage of one data directory:
 *
 * <pre>
 *   cairn.lock        held while running
 *   keys/             log.skey (Ed25519), log-mldsa44.skey (ML-DSA-44)
 *   log.vkey          the verifier keys
 *   tiles/tile/...    hash tiles and entry bundles (the object store)
 *   sequence-log/     the sequenced batches not yet in tiles (the commit point of writes)
 *   tree-state        the tree head whose tiles and bundles are all written
 *   checkpoint        the latest published checkpoint
 *   index/            RocksDB: dedup index and checkpoint history
 * </pre>
 *
 * <p>{@link #open} recovers and publishes a checkpoint over everything durably sequenced before
 * it returns, so a caller may serve as soon as it has the log.
 */
public final class TransparencyLog implements AutoCloseable {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(TransparencyLog.class);
  private final Path dataDir;
  private final DataDirLock lock;
  private final LogKeys keys;
  private final ObjectStore objects;
  private final LocalTreeStateStore treeState;
  private final LocalSequenceLog sequenceLog;
  private final RocksIndex index;
  private final Sequencer sequencer;
  private final Publisher publisher;
  private final LogMetrics metrics;
  private final Clock clock;
  private final java.util.concurrent.atomic.AtomicBoolean closed =
      new java.util.concurrent.atomic.AtomicBoolean();

  private TransparencyLog(Path dataDir, DataDirLock lock, LogKeys keys, ObjectStore objects,
      LocalTreeStateStore treeState, LocalSequenceLog sequenceLog, RocksIndex index,
      Sequencer sequencer, Publisher publisher, LogMetrics metrics, Clock clock) {
    this.dataDir = dataDir;
    this.lock = lock;
    this.keys = keys;
    this.objects = objects;
    this.treeState = treeState;
    this.sequenceLog = sequenceLog;
    this.index = index;
    this.sequencer = sequencer;
    this.publisher = publisher;
    this.metrics = metrics;
    this.clock = clock;
  }

  /** Opens (creating on first use) the log in {@code config.dataDir()} and starts it. */
  public static TransparencyLog open(LogConfig config) throws IOException {
    Path dir = config.dataDir().toAbsolutePath().normalize();
    Files.createDirectories(dir);
    DataDirLock lock = DataDirLock.acquire(dir);
    if (Files.exists(dir.resolve(Restore.MARKER))) {
      lock.close();
      throw new IOException("a restore into " + dir + " did not finish (" + Restore.MARKER
          + " is present): run `cairn restore --force` into it again");
    }
    RocksIndex index = null;
    LocalTreeStateStore treeState = null;
    LocalSequenceLog sequenceLog = null;
    Sequencer sequencer = null;
    try {
      long t0 = System.nanoTime();
      // Deriving the keys (Ed25519 tables, ML-DSA-44 expansion) takes a cold JVM ~0.5 s: do it
      // beside the storage recovery, which does not need them.
      CompletableFuture<LogKeys> loadingKeys = CompletableFuture.supplyAsync(() -> {
        try {
          return LogKeys.loadOrCreate(dir, config.origin(), config.hsm(), config.clock());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }, runnable -> Thread.ofPlatform().name("cairn-keys").start(runnable));
      long t1 = System.nanoTime();
      ObjectStore objects = new LocalObjectStore(dir.resolve("tiles"));
      Path tmp = dir.resolve(".tmp");
      index = RocksIndex.open(dir.resolve("index"));
      long t2 = System.nanoTime();
      LogMetrics metrics = new LogMetrics();
      treeState = new LocalTreeStateStore(dir.resolve("tree-state"), tmp);
      sequenceLog = new LocalSequenceLog(dir.resolve("sequence-log"));
      sequencer = Sequencer.open(objects, sequenceLog, treeState, index.dedup(),
          config.sequencing(), metrics);
      long t3 = System.nanoTime();
      LogKeys keys;
      try {
        keys = loadingKeys.join();
      } catch (CompletionException e) {
        throw e.getCause() instanceof UncheckedIOException u ? u.getCause()
            : new IOException(e.getCause());
      }
      checkStoredCheckpoint(dir, keys);
      Publisher publisher = Publisher.open(keys.origin(), keys::signers, sequencer,
          objects, new LocalCheckpointStore(dir.resolve("checkpoint"), tmp), index.history(),
          config.clock());
      LOG.info("opened {} at size {} in {} ms (index {} ms, recovery {} ms, then keys and"
          + " publication {} ms)", keys.origin(), sequencer.sequenced().size(),
          (System.nanoTime() - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000,
          (System.nanoTime() - t3) / 1_000_000);
      Sequencer s = sequencer;
      metrics.watch(s::poolDepth, () -> s.sequenced().size(),
          () -> publisher.latest().checkpoint().size(), () -> publisher.latest().time(),
          () -> s.fault().isEmpty() && publisher.fault().isEmpty(), config.clock());
      metrics.watchHealth(health(sequencer, publisher));
      sequencer.start();
      publisher.start(config.checkpointInterval());
      return new TransparencyLog(dir, lock, keys, objects, treeState, sequenceLog, index,
          sequencer, publisher, metrics, config.clock());
    } catch (IOException | RuntimeException e) {
      if (sequencer != null) {
        sequencer.close();
      }
      if (index != null) {
        index.close();
      }
      if (treeState != null) {
        treeState.close();
      }
      if (sequenceLog != null) {
        sequenceLog.close();
      }
      lock.close();
      throw e;
    }
  }

  /** Refuses a stored latest checkpoint that this log's keys did not sign. */
  private static void checkStoredCheckpoint(Path dir, LogKeys keys) throws IOException {
    Path file = dir.resolve("checkpoint");
    if (!Files.exists(file)) {
      return;
    }
    try {
      LogVerifier.ofLogKeys(keys.verifierKeyList()).verifyCheckpoint(Files.readAllBytes(file));
    } catch (VerificationException e) {
      throw new IOException("the stored checkpoint " + file + " is unreadable or not signed"
          + " by this log's keys: " + e.getMessage());
    }
  }

  /** The data directory. */
  public Path dataDir() {
    return dataDir;
  }

  /** The origin and keys. */
  public LogKeys keys() {
    return keys;
  }

  /** The tiles and bundles. */
  public ObjectStore objects() {
    return objects;
  }

  /** The sequencer, for submissions. */
  public Sequencer sequencer() {
    return sequencer;
  }

  /** The publisher, for the latest checkpoint. */
  public Publisher publisher() {
    return publisher;
  }

  /** Every published checkpoint. */
  public CheckpointHistory history() {
    return index.history();
  }

  /** The dedup index, for lookups by leaf hash. */
  public DedupIndex dedup() {
    return index.dedup();
  }

  /**
   * The health of each part that writes — sequencer, integrator, publisher — for readiness and
   * metrics.
   */
  public List<ComponentHealth> health() {
    return health(sequencer, publisher);
  }

  private static List<ComponentHealth> health(Sequencer sequencer, Publisher publisher) {
    List<ComponentHealth> parts = new ArrayList<>(sequencer.health());
    parts.add(publisher.health());
    return List.copyOf(parts);
  }

  /** The metrics. */
  public LogMetrics metrics() {
    return metrics;
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
      publisher.publish();
    } finally {
      treeState.close();
      sequenceLog.close();
      index.close();
      lock.close();
    }
  }
}
