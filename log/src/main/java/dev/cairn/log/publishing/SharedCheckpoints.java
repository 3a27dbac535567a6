package dev.cairn.log.publishing;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.log.health.ComponentHealth;
import dev.cairn.log.storage.Coordinator;
import dev.cairn.log.storage.StoredCheckpoint;
import dev.cairn.note.SignedNote;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoints a cluster node serves: whichever node holds the lease publishes, and every
 * node follows the latest checkpoint in the shared {@link Coordinator}, read every {@code
 * period}. What a node serves is never older than what it served before (a read that answers
 * an older checkpoint — it cannot happen in one database — is ignored).
 */
public final class SharedCheckpoints implements Checkpoints, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SharedCheckpoints.class);

  private final Coordinator coordinator;
  private final Waiters waiters = new Waiters();
  private final ComponentHealth health =
      new ComponentHealth("coordination", "reading the latest checkpoint failed", LOG);
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().name("cairn-follower").daemon().factory());
  private volatile Publisher.Published latest;

  private SharedCheckpoints(Coordinator coordinator, Publisher.Published latest) {
    this.coordinator = coordinator;
    this.latest = latest;
  }

  /**
   * Follows {@code coordinator}'s latest checkpoint, waiting up to {@code wait} for a first one
   * (a new log's first publication).
   *
   * @throws IOException if no checkpoint was published within {@code wait}
   */
  public static SharedCheckpoints follow(Coordinator coordinator, Duration period,
      Duration wait) throws IOException {
    long deadline = System.nanoTime() + wait.toNanos();
    Optional<StoredCheckpoint> first = coordinator.latest();
    while (first.isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new IOException("no checkpoint was published within " + wait.toSeconds()
            + " s: no node holds the lease, or its first publication fails");
      }
      try {
        Thread.sleep(period.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for a first checkpoint");
      }
      first = coordinator.latest();
    }
    SharedCheckpoints s = new SharedCheckpoints(coordinator, published(first.get()));
    s.timer.scheduleWithFixedDelay(s::poll, period.toMillis(), period.toMillis(),
        TimeUnit.MILLISECONDS);
    return s;
  }

  private static Publisher.Published published(StoredCheckpoint s) throws IOException {
    try {
      return new Publisher.Published(Checkpoint.parse(SignedNote.parse(s.note()).text()),
          s.note(), s.time());
    } catch (RuntimeException e) {
      throw new IOException("the stored checkpoint is unreadable: " + e.getMessage(), e);
    }
  }

  /** Reads the latest checkpoint now, and answers the waiters it covers. */
  public void poll() {
    try {
      Optional<StoredCheckpoint> s = coordinator.latest();
      if (s.isPresent() && !Arrays.equals(s.get().note(), latest.note())) {
        Publisher.Published p = published(s.get());
        if (p.checkpoint().size() >= latest.checkpoint().size()) {
          latest = p;
        }
      }
      health.recovered();
      waiters.published(latest);
      waiters.dropAbandoned();
    } catch (IOException | RuntimeException e) {
      health.failed("reading the latest checkpoint", e);
    }
  }

  @Override
  public Publisher.Published latest() {
    return latest;
  }

  @Override
  public CompletableFuture<Publisher.Published> awaitSize(long size) {
    return waiters.await(size, () -> latest);
  }

  /** The health of following: failing while the coordinator cannot be read. */
  public ComponentHealth health() {
    return health;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
