package dev.cairn.log.sequencing;

import dev.cairn.log.PushbackException;
import dev.cairn.log.StoppedException;
import dev.cairn.log.health.ComponentHealth;
import dev.cairn.log.health.StorageFault;
import dev.cairn.log.storage.Lease;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes submissions on a node of a cluster, where every node commits and one (the lease holder's
 * {@link Sequencer}) builds the tree over all commits. Pooled submissions are committed in
 * batches through a {@link Commit} — indices and deduplication durable together — and each
 * index is acknowledged only after its commit returned. A failed commit acknowledges nothing:
 * its submissions get pushback, and a client's retry of one that did land finds it as a
 * duplicate, at the same index.
 */
public final class Committer implements Submissions, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Committer.class);

  /** The shared commit, without a lease. */
  @FunctionalInterface
  public interface Commit {
    /** Commits a batch: each submission's index, whether it was a duplicate (no head). */
    Lease.Assignment commit(List<Lease.Submission> batch) throws IOException;
  }

  private final Commit commit;
  private final Pool pool;
  private final Sequencer.BatchObserver observer;
  private final ComponentHealth health = new ComponentHealth("sequencer", "committing failed", LOG);
  private final Thread thread;
  private volatile long maxBacklog = Long.MAX_VALUE;
  private volatile java.util.function.LongSupplier backlog = () -> 0;

  /** A committer batching as {@code config} says; start it with {@link #start}. */
  public Committer(Commit commit, SequencerConfig config, Sequencer.BatchObserver observer) {
    this.commit = commit;
    this.pool = new Pool(config);
    this.observer = observer;
    this.thread = Thread.ofPlatform().name("cairn-committer").daemon().unstarted(this::run);
  }

  /** Starts committing. */
  public void start() {
    thread.start();
  }

  /**
   * Pushes writers back while {@code backlog} (entries committed but not yet in the tree the
   * object store holds) is above {@code max}: integration is lagging (the object store fails,
   * no node holds the lease).
   */
  public void limitBacklog(java.util.function.LongSupplier backlog, long max) {
    this.backlog = backlog;
    this.maxBacklog = max;
  }

  /** The health of committing, for readiness and metrics. */
  public ComponentHealth health() {
    return health;
  }

  /** Entries waiting for a batch. */
  public int poolDepth() {
    return pool.depth();
  }

  /** Bytes of the entries waiting for a batch or being committed. */
  public long poolBytes() {
    return pool.bytes();
  }

  @Override
  public List<CompletableFuture<Sequencer.Added>> addAll(List<byte[]> entries) {
    long behind = backlog.getAsLong();
    if (behind > maxBacklog) {
      throw new PushbackException(behind + " committed entries wait to be integrated (the most"
          + " allowed is " + maxBacklog + "); see /readyz", Duration.ofSeconds(2));
    }
    return pool.add(entries);
  }

  private void run() {
    pool.drain(() -> health.fault().isPresent() ? Optional.of(pool.retryAfter())
        : Optional.empty(), this::commit);
  }

  /** Commits one batch; only then acknowledges its indices. */
  private void commit(List<Pool.Pending> batch) {
    long started = System.nanoTime();
    int fresh = 0;
    boolean ok = false;
    try {
      List<Lease.Submission> submissions = new ArrayList<>(batch.size());
      for (Pool.Pending p : batch) {
        submissions.add(new Lease.Submission(p.entry(), p.leafHash()));
      }
      // An empty batch probes: the commit of nothing still reaches the database.
      Lease.Assignment a = commit.commit(submissions);
      for (int i = 0; i < batch.size(); i++) {
        if (!a.duplicates()[i]) {
          fresh++;
        }
        batch.get(i).result().complete(new Sequencer.Added(a.indices()[i], a.duplicates()[i]));
      }
      health.recovered();
      ok = true;
    } catch (IOException | RuntimeException e) {
      StorageFault f = health.failed(batch.isEmpty() ? "probing the database after a failure"
          : "committing a batch of " + batch.size() + " entries", e);
      RuntimeException failure = f.fatal() ? new StoppedException(f.reason())
          : PushbackException.fault("the log could not store the entry: " + f.reason(),
              pool.retryAfter());
      for (Pool.Pending p : batch) {
        p.result().completeExceptionally(failure);
      }
    } finally {
      pool.done(batch);
      if (!batch.isEmpty()) {
        try {
          observer.batch(batch.size(), fresh, System.nanoTime() - started, ok);
        } catch (RuntimeException e) {
          LOG.warn("batch observer failed: {}", e.toString());
        }
      }
    }
  }

  /** Stops taking submissions, commits what is pooled, and stops. */
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
  }
}
