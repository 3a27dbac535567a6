package dev.cairn.cluster;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.log.LogConfig;
import dev.cairn.log.LogKeys;
import dev.cairn.log.LogMetrics;
import dev.cairn.log.ServedLog;
import dev.cairn.log.health.ComponentHealth;
import dev.cairn.log.publishing.CheckpointEndorser;
import dev.cairn.log.publishing.Checkpoints;
import dev.cairn.log.publishing.Publisher;
import dev.cairn.log.publishing.SharedCheckpoints;
import dev.cairn.log.sequencing.Committer;
import dev.cairn.log.sequencing.Sequencer;
import dev.cairn.log.sequencing.Submissions;
import dev.cairn.log.storage.Coordinator;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.ObjectStoreReader;
import dev.cairn.log.storage.StorageException;
import dev.cairn.log.storage.StoredCheckpoint;
import dev.cairn.log.storage.TreeTiles;
import dev.cairn.log.tracing.Tracing;
import dev.cairn.note.SignedNote;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node of a log whose storage is PostgreSQL (coordination) and an S3-compatible bucket
 * (tiles). Every node takes submissions and commits them ({@link Committer}), serves reads and
 * proofs, and follows the latest checkpoint ({@link SharedCheckpoints}). One node at a time —
 * whichever holds the lease — also runs the {@link Sequencer} (which adopts every node's commits
 * into the tree, integrates their tiles into the bucket) and the {@link Publisher}. A node that
 * loses the lease stops both and tries for it again; any node takes over once it expires.
 */
public final class ClusterNode implements ServedLog, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);
  /**
   * How often the lease holder adopts the nodes' commits into the tree (and so writes tiles).
   * Acknowledgements do not wait for it; checkpoints (every second by default) do, a little.
   */
  private static final Duration ADOPT_EVERY = Duration.ofMillis(250);
  /**
   * The most committed entries not yet published before writers are pushed back (unless
   * max_unpublished_entries is lower): what a new holder must integrate after a takeover
   * before it publishes, so it bounds the failover time too (about 3 s of integration here).
   */
  private static final long MAX_BEHIND = 65_536;
  /** How often every node reads the latest checkpoint. */
  private static final Duration FOLLOW_EVERY = Duration.ofMillis(50);

  private final LogConfig config;
  private final Database db;
  private final ObjectStore objects;
  private final PostgresCoordinator coordinator;
  private final LogKeys keys;
  private final LogMetrics metrics;
  private final Committer committer;
  private final SharedCheckpoints checkpoints;
  private final TreeTiles tiles;
  private final ComponentHealth leadership;
  private final Thread leader;
  private volatile boolean closing;
  private volatile long committed;
  private volatile long committedRead = System.nanoTime() - FOLLOW_EVERY.toNanos() - 1;
  /** The lease holder's parts while this node holds it. */
  private volatile Term term;

  /** A term as lease holder: the lease, the sequencer and the publisher over it. */
  private record Term(PostgresCoordinator.PgLease lease, Sequencer sequencer,
      Publisher publisher) {
    /** Stops the parts, publishing what is integrated first if asked, and gives the lease up. */
    void end(boolean publish) {
      publisher.close();
      sequencer.close();
      if (publish && sequencer.stoppedReason().isEmpty()) {
        try {
          publisher.publish();
        } catch (IOException | RuntimeException e) {
          LOG.warn("couldn't publish before stepping down: {}", e.getMessage());
        }
      }
      lease.close();
    }
  }

  private ClusterNode(LogConfig config, Database db, ObjectStore objects,
      PostgresCoordinator coordinator, LogKeys keys, SharedCheckpoints checkpoints,
      LogMetrics metrics) {
    this.config = config;
    this.metrics = metrics;
    this.db = db;
    this.objects = objects;
    this.coordinator = coordinator;
    this.keys = keys;
    this.checkpoints = checkpoints;
    this.committer = new Committer(coordinator::commit, config.sequencing(), metrics);
    this.tiles = new TreeTiles(new ObjectStoreReader(objects, "the bucket"),
        () -> checkpoints.latest().checkpoint().size());
    this.leadership = new ComponentHealth("lease", "holding the lease failed", LOG);
    this.leader = Thread.ofPlatform().name("cairn-lease").daemon().unstarted(this::lead);
  }

  /**
   * Starts a node: checks that the bucket and the database belong together, takes the lease
   * if it is free (a new log publishes its first checkpoint then), and follows the latest
   * checkpoint.
   *
   * @param config the log's settings; {@code dataDir} holds only this node's keys
   * @param leaseTtl how long the lease lives unless renewed
   */
  public static ClusterNode start(LogConfig config, Database db, ObjectStore objects,
      Duration leaseTtl) throws IOException {
    Path keysDir = config.dataDir().toAbsolutePath().normalize();
    java.nio.file.Files.createDirectories(keysDir);
    LogKeys keys = LogKeys.loadOrCreate(keysDir, config.origin(), config.hsm(), config.clock());
    PostgresCoordinator coordinator = new PostgresCoordinator(db,
        new ObjectStoreReader(objects, "the bucket"), config.nodeId(), leaseTtl);
    checkBucket(objects, coordinator);
    LogMetrics metrics = new LogMetrics();
    config.endorser().trace(config.tracing());
    // The first node of a new log publishes before anyone can follow: try for the lease first.
    Term first = null;
    SharedCheckpoints followed;
    try {
      if (coordinator.latest().isEmpty()) {
        first = tryLead(config, coordinator, objects, keys, metrics);
      }
      followed = SharedCheckpoints.follow(coordinator, FOLLOW_EVERY, leaseTtl.multipliedBy(3));
    } catch (IOException | RuntimeException e) {
      if (first != null) {
        first.end(false);
      }
      throw e;
    }
    ClusterNode node = new ClusterNode(config, db, objects, coordinator, keys, followed,
        metrics);
    node.term = first;
    node.committer.limitBacklog(() -> node.backlog(),
        Math.min(config.maxUnpublished(), MAX_BEHIND));
    node.metrics.watch(node.committer::poolDepth, node.committer::poolBytes,
        () -> Optional.ofNullable(node.term).map(t -> t.sequencer().backlogBytes()).orElse(0L),
        node::committedSize, () -> node.checkpoints.latest().checkpoint().size(),
        () -> node.checkpoints.latest().time(),
        () -> node.health().stream().allMatch(h -> h.fault().isEmpty()), config.clock());
    node.metrics.watchFreshnessObjective(config.freshnessObjective());
    // The holder's parts come and go with the lease: metrics watch the parts every node has.
    node.metrics.watchHealth(List.of(node.committer.health(), node.checkpoints.health(),
        node.leadership));
    node.metrics.register(io.prometheus.metrics.core.metrics.GaugeWithCallback.builder()
        .name("cairn_cluster_lease_held")
        .help("1 while this node holds the lease: it integrates and publishes the log")
        .labelNames("node")
        .callback(cb -> cb.call(node.leading() ? 1 : 0, config.nodeId()))
        .build());
    node.committer.start();
    node.leader.start();
    return node;
  }

  /**
   * Refuses a bucket whose checkpoint is newer than the database's latest, or of the same size
   * with another root: the database was restored from an older backup, or belongs to another
   * log. Serving it would fork the log.
   */
  static void checkBucket(ObjectStore objects, PostgresCoordinator coordinator)
      throws IOException {
    Optional<byte[]> object = objects.get(ObjectStore.CHECKPOINT);
    if (object.isEmpty()) {
      return;
    }
    Checkpoint inBucket = parse(object.get(), "the bucket's checkpoint");
    Optional<StoredCheckpoint> latest = coordinator.latest();
    if (latest.isEmpty()) {
      throw new StorageException(StorageException.Kind.CORRUPT, "the bucket holds a checkpoint"
          + " of size " + inBucket.size() + " but the database has none: the database is not"
          + " this bucket's (or was rolled back); refusing to start");
    }
    Checkpoint inDb = parse(latest.get().note(), "the database's checkpoint");
    if (inBucket.size() > inDb.size() || inBucket.size() == inDb.size()
        && !inBucket.root().equals(inDb.root())) {
      throw new StorageException(StorageException.Kind.CORRUPT, "the bucket's checkpoint (size "
          + inBucket.size() + ", root " + inBucket.root() + ") is not behind the database's"
          + " latest (size " + inDb.size() + ", root " + inDb.root() + "): the database was"
          + " rolled back or belongs to another log; refusing to start");
    }
  }

  private static Checkpoint parse(byte[] note, String what) throws StorageException {
    try {
      return Checkpoint.parse(SignedNote.parse(note).text());
    } catch (RuntimeException e) {
      throw new StorageException(StorageException.Kind.CORRUPT, what + " is unreadable: "
          + e.getMessage(), e);
    }
  }

  /**
   * Entries committed but not yet published, read from the database at most every {@link
   * #FOLLOW_EVERY}: beyond {@code maxUnpublished} of them, writers are pushed back.
   */
  private long backlog() {
    return committedSize() - checkpoints.latest().checkpoint().size();
  }

  /** The entries committed, read from the database at most every {@link #FOLLOW_EVERY}. */
  private long committedSize() {
    long now = System.nanoTime();
    if (now - committedRead > FOLLOW_EVERY.toNanos()) {
      committedRead = now;
      try {
        committed = coordinator.committed();
      } catch (IOException e) {
        // The commit itself fails and pushes back; readiness says why.
      }
    }
    return committed;
  }

  /**
   * Takes the lease if it is free and starts the holder's parts over it; empty if another node
   * holds it.
   */
  private static Term tryLead(LogConfig config, PostgresCoordinator coordinator,
      ObjectStore objects, LogKeys keys, LogMetrics metrics) throws IOException {
    PostgresCoordinator.PgLease lease;
    try {
      lease = coordinator.acquire(config.nodeId());
    } catch (StorageException e) {
      if (e.kind() == StorageException.Kind.FENCED) {
        return null;
      }
      throw e;
    }
    if (objects instanceof S3ObjectStore s3) {
      s3.forgetWrites(); // another holder may have written partials since this one's last term
    }
    Sequencer sequencer = null;
    try {
      sequencer = Sequencer.open(objects, lease, config.sequencing(), metrics);
      sequencer.adoptCommitsEvery(ADOPT_EVERY);
      sequencer.trace(config.tracing());
      Publisher publisher = Publisher.open(keys.origin(),
          metrics.countingFailures(keys::sign), sequencer, lease,
          new ForwardOnlyCheckpoint(objects), config.endorser(), config.endorseTimeout(),
          config.clock());
      publisher.trace(config.tracing());
      sequencer.start();
      publisher.start(config.checkpointInterval());
      LOG.info("{} integrates and publishes {} (epoch {})", config.nodeId(), keys.origin(),
          lease.epoch());
      return new Term(lease, sequencer, publisher);
    } catch (IOException | RuntimeException e) {
      if (sequencer != null) {
        sequencer.close();
      }
      lease.close();
      throw e;
    }
  }

  /**
   * The lease loop: renews the lease a few times per TTL while holding it, steps down when it
   * is lost (or a holder's part stopped), and tries for it again while another node holds it.
   */
  private void lead() {
    long period = coordinator.leaseTtl().toMillis() / 4;
    while (!closing) {
      long sleep = period;
      try {
        Term t = term;
        if (t == null) {
          term = tryLead(config, coordinator, objects, keys, metrics);
          if (term == null) {
            // Try again just after the holder's lease would end, unless it renews it first.
            long left = coordinator.leaseLeft().toMillis();
            sleep = Math.clamp(left + 10, 10, period);
          }
        } else if (!t.lease().live() || t.sequencer().stoppedReason().isPresent()
            || t.publisher().health().stopped()) {
          // The lease renews itself (PgLease.keepAlive); a holder whose lease ended, or whose
          // part stopped on a fault, steps down and tries for the lease again.
          LOG.warn("{} stepping down: {}", config.nodeId(), t.sequencer().stoppedReason()
              .or(() -> t.publisher().fault()).orElse("the lease ended"));
          stepDown(t, false);
        }
        leadership.recovered();
      } catch (IOException | RuntimeException e) {
        // Never fatal here: a lease lost while taking over, or a conflict found then, is
        // retried by taking the lease again; the parts' own faults are theirs to report.
        leadership.failed("holding or taking the lease",
            new IOException(e.toString().replace("StorageException", "storage failure")));
      }
      try {
        TimeUnit.MILLISECONDS.sleep(sleep);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void stepDown(Term t, boolean publish) {
    term = null;
    t.end(publish);
  }

  /** Whether this node holds the lease now. */
  public boolean leading() {
    return term != null;
  }

  @Override
  public LogKeys keys() {
    return keys;
  }

  @Override
  public Submissions submissions() {
    return committer;
  }

  @Override
  public Checkpoints checkpoints() {
    return checkpoints;
  }

  @Override
  public TreeTiles tiles() {
    return tiles;
  }

  @Override
  public Coordinator coordinator() {
    return coordinator;
  }

  @Override
  public CheckpointEndorser endorser() {
    return config.endorser();
  }

  /**
   * Committing and following on every node; integrating and publishing while this node holds
   * the lease.
   */
  @Override
  public List<ComponentHealth> health() {
    List<ComponentHealth> parts = new ArrayList<>();
    parts.add(committer.health());
    parts.add(checkpoints.health());
    parts.add(leadership);
    Term t = term;
    if (t != null) {
      parts.addAll(t.sequencer().health().subList(1, 2)); // the integrator
      parts.add(t.publisher().health());
    }
    return parts;
  }

  @Override
  public Tracing tracing() {
    return config.tracing();
  }

  @Override
  public LogMetrics metrics() {
    return metrics;
  }

  @Override
  public Path dataDir() {
    return config.dataDir();
  }

  /** Stops taking writes, commits what is pooled, publishes it if leading, gives the lease up. */
  @Override
  public void close() {
    closing = true;
    leader.interrupt();
    try {
      leader.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    committer.close();
    Term t = term;
    if (t != null) {
      stepDown(t, true);
    }
    checkpoints.close();
    db.close();
    if (objects instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("couldn't close the object store: {}", e.toString());
      }
    }
  }
}
