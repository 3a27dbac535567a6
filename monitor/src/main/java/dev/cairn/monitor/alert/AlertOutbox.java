package dev.cairn.monitor.alert;

import dev.cairn.monitor.Backoff;
import dev.cairn.log.storage.embedded.AtomicFiles;
import dev.cairn.monitor.config.MonitorConfig.Delivery;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Durable, independent delivery of alerts to every channel: {@link #enqueue} makes alerts durable
 * and returns; each channel's worker (a virtual thread) delivers its queue in order, retrying with
 * backoff behind a circuit breaker, and records each outcome durably.
 *
 * <p><b>Durability.</b> The outbox owns a directory: one journal per channel ({@code
 * <channel>.jsonl}, see {@link OutboxJournal} for its format and crash-safe ordering), a {@code
 * tmp/} for compaction, and a {@code lock} held while open (a second outbox on the same directory,
 * in any process, is refused). {@code enqueue} returns only once the alerts are fdatasync'd (and
 * the journal's name synced in its directory), so after {@code kill -9} or a power loss every
 * alert enqueue returned for is still queued, and reopening resumes it; an alert is recorded
 * delivered, durably, right after its channel accepted it, and nothing recorded delivered is sent
 * again.
 *
 * <p><b>At least once, not exactly once.</b> A crash after a receiver accepted an alert and
 * before that was recorded sends it once more on the next start (so can closing while a delivery
 * is in flight and outlasts the grace period). Receivers deduplicate by the alert's ID: the
 * webhook's {@code X-Cairn-Alert-Id}, the e-mail's {@code Message-ID}. Slack has no such key: a
 * message may, rarely, appear twice.
 *
 * <p><b>Idempotence.</b> Enqueueing an alert already pending on a channel, or whose finding's
 * last queued event on that channel is the same event (delivered, given up or pending), does
 * nothing: rerunning a run does not alert twice, while a finding resolved and found again is
 * told again. Delivered and given-up records older than the retention are dropped when a journal
 * is compacted (on open and as it grows), bounding the state; the retention must be longer than
 * any rerun could come late.
 *
 * <p><b>Independence.</b> Each channel has its own journal, worker, HTTP client and breaker; a
 * channel's journal lock is held only for local disk writes. A channel that hangs (up to its
 * timeout) or fails holds up only its own queue. Within a channel, alerts go in queue order.
 *
 * <p><b>Retries.</b> An alert is tried up to {@code Delivery.attempts} times, waiting a random
 * time in {@code [0, min(maxDelay, baseDelay * 2^n)]} after the n-th failure (full jitter); then
 * it is given up: logged, counted ({@code given_up}) and kept in the journal as failed.
 * {@code breakerFailures} consecutive failures open the channel's breaker: nothing is tried
 * until {@code breakerCooldown} has passed, then one trial closes it again or reopens it.
 *
 * <p>Thread-safe.
 */
public final class AlertOutbox implements AutoCloseable {
  private final List<ChannelWorker> workers;
  private final FileChannel lockFile;
  private final Duration closeGrace;
  private boolean closed;

  private AlertOutbox(List<ChannelWorker> workers, FileChannel lockFile, Duration closeGrace) {
    this.workers = workers;
    this.lockFile = lockFile;
    this.closeGrace = closeGrace;
  }

  /**
   * A builder for an outbox in {@code dir} delivering to {@code routes} as {@code delivery}
   * says.
   */
  public static Builder builder(Path dir, List<Route> routes, Delivery delivery) {
    return new Builder(dir, routes, delivery);
  }

  /**
   * Queues each alert, durably, on every channel whose route accepts it (see the class
   * comment for what is skipped as already queued), and returns without waiting for delivery.
   * If it throws, some channels may have queued the alerts: enqueueing them again is safe.
   *
   * @throws IOException if a journal cannot be written
   * @throws IllegalStateException if the outbox is closed
   */
  public void enqueue(List<Alert> alerts) throws IOException {
    List<Alert> copy = List.copyOf(alerts);
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("the alert outbox is closed");
      }
    }
    IOException failure = null;
    for (ChannelWorker w : workers) {
      List<Alert> mine = copy.stream().filter(w.route()::accepts).toList();
      if (mine.isEmpty()) {
        continue;
      }
      try {
        w.enqueue(mine);
      } catch (IOException e) {
        // The other channels still get theirs.
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * Waits until every queued alert is delivered or given up, or {@code timeout} passes (what is
   * left stays queued, durably, for the next start): for a one-shot {@code monitor run}.
   *
   * @return whether nothing is pending on any channel
   */
  public boolean drain(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean idle = true;
    for (ChannelWorker w : workers) {
      idle &= w.awaitIdle(deadline - System.nanoTime());
    }
    return idle;
  }

  /** Each channel's state, in route order. */
  public List<ChannelStatus> status() {
    List<ChannelStatus> s = new ArrayList<>();
    for (ChannelWorker w : workers) {
      int[] done = w.journal().doneCounts();
      s.add(new ChannelStatus(w.route().channel().name(), w.journal().pending(), done[0],
          done[1], w.stopped() ? "stopped" : w.breaker().id()));
    }
    return s;
  }

  /**
   * Stops the workers (waiting a little for deliveries in flight; see the class comment), closes
   * the journals and the channels that are {@link AutoCloseable}, and releases the directory.
   * Pending alerts stay queued for the next open.
   */
  @Override
  public void close() throws IOException {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    IOException failure = null;
    boolean interrupted = false;
    for (ChannelWorker w : workers) {
      try {
        w.close(closeGrace);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    for (ChannelWorker w : workers) {
      try {
        w.journal().close();
        if (w.route().channel() instanceof AutoCloseable c) {
          c.close();
        }
      } catch (Exception e) {
        IOException io = e instanceof IOException x ? x
            : new IOException("couldn't close channel " + w.route().channel().name(), e);
        if (failure == null) {
          failure = io;
        } else {
          failure.addSuppressed(io);
        }
      }
    }
    lockFile.close();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * One channel's delivery state.
   *
   * @param channel its name
   * @param pending alerts queued or being delivered
   * @param delivered alerts recorded delivered (within the retention)
   * @param failed alerts given up (within the retention)
   * @param breaker {@code closed}, {@code open} or {@code half_open}; {@code stopped} if its
   *     journal could not be written and it stopped delivering
   */
  public record ChannelStatus(String channel, int pending, int delivered, int failed,
      String breaker) {}

  /** How an outbox is opened: the seams (time, sleeping, randomness) default to the system's. */
  public static final class Builder {
    private final Path dir;
    private final List<Route> routes;
    private final Delivery delivery;
    private DeliveryListener listener = DeliveryListener.NONE;
    private Duration retention = Duration.ofDays(30);
    private Clock clock = Clock.systemUTC();
    private Sleeper sleeper = Sleeper.SYSTEM;
    private RandomGenerator random = RandomGenerator.getDefault();

    private Builder(Path dir, List<Route> routes, Delivery delivery) {
      this.dir = Objects.requireNonNull(dir, "dir");
      this.routes = List.copyOf(routes);
      this.delivery = Objects.requireNonNull(delivery, "delivery");
    }

    /** Told of attempts, breaker states and queue lengths (default: nothing). */
    public Builder listener(DeliveryListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** How long delivered and given-up records are kept to deduplicate (default 30 days). */
    public Builder retention(Duration retention) {
      if (retention.isNegative()) {
        throw new IllegalArgumentException("a retention is not negative");
      }
      this.retention = retention;
      return this;
    }

    /** The time breaker cooldowns and journal records use (default the system's, UTC). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** How backoff and cooldowns wait (default {@link Sleeper#SYSTEM}). */
    public Builder sleeper(Sleeper sleeper) {
      this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
      return this;
    }

    /** The jitter's randomness (default {@link RandomGenerator#getDefault()}). */
    public Builder random(RandomGenerator random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /**
     * Opens the outbox: locks the directory (creating it), reads and compacts each channel's
     * journal, and starts a worker per channel, which resumes what is pending.
     *
     * @throws IOException if the directory is in use, or a journal cannot be read or written
     * @throws IllegalArgumentException if two channels have one name, or the delivery settings
     *     are out of range
     */
    public AlertOutbox open() throws IOException {
      if (delivery.attempts() < 1 || delivery.breakerFailures() < 1) {
        throw new IllegalArgumentException("delivery needs at least one attempt and a breaker"
            + " that opens after at least one failure");
      }
      Set<String> names = new HashSet<>();
      for (Route r : routes) {
        if (!names.add(r.channel().name())) {
          throw new IllegalArgumentException("two channels are named " + r.channel().name());
        }
      }
      Files.createDirectories(dir);
      FileChannel lock = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE);
      List<ChannelWorker> workers = new ArrayList<>();
      try {
        FileLock held;
        try {
          held = lock.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
          held = null;
        }
        if (held == null) {
          throw new IOException(dir + " is in use by another alert outbox");
        }
        Path tmp = dir.resolve("tmp");
        AtomicFiles.prepareTmpDir(tmp);
        AtomicFiles.syncDirectory(dir);
        Backoff backoff = new Backoff(delivery.baseDelay(), delivery.maxDelay());
        for (Route r : routes) {
          OutboxJournal journal = OutboxJournal.open(dir.resolve(fileName(r)), tmp, retention,
              clock);
          workers.add(new ChannelWorker(r, journal, delivery.attempts(), backoff,
              delivery.breakerFailures(), delivery.breakerCooldown(), clock, sleeper, random,
              listener));
        }
      } catch (IOException | RuntimeException e) {
        for (ChannelWorker w : workers) {
          w.journal().close();
        }
        lock.close();
        throw e;
      }
      workers.forEach(ChannelWorker::start);
      return new AlertOutbox(List.copyOf(workers), lock,
          delivery.timeout().plus(Duration.ofSeconds(1)));
    }

    /** {@code <name>.jsonl}, the name percent-encoded beyond {@code [A-Za-z0-9._-]}. */
    private static String fileName(Route r) {
      String n = URLEncoder.encode(r.channel().name(), StandardCharsets.UTF_8).replace("*", "%2A")
          .replace("+", "%20");
      return (n.startsWith(".") ? "%2E" + n.substring(1) : n) + ".jsonl";
    }
  }
}
