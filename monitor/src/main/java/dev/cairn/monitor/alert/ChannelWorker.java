package dev.cairn.monitor.alert;

import dev.cairn.monitor.Backoff;
import dev.cairn.monitor.alert.OutboxJournal.Queued;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one channel's queue, in order, on its own virtual thread: the head alert is tried
 * until it is delivered or has had its attempts, with backoff between tries and the channel's
 * circuit breaker in front of them. Nothing here waits on another channel, and a channel's
 * journal lock is never held while delivering, so a hung or failing channel holds up only
 * itself.
 */
final class ChannelWorker {
  /** Half-open trials of one alert before it is given up: a day of one-minute cooldowns. */
  static final int MAX_TRIALS = 1440;
  private static final Logger LOG = LoggerFactory.getLogger(ChannelWorker.class);

  private final Route route;
  private final String name;
  private final OutboxJournal journal;
  private final int attempts;
  private final Backoff backoff;
  private final CircuitBreaker breaker;
  private final Sleeper sleeper;
  private final RandomGenerator random;
  private final DeliveryListener listener;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private volatile boolean closed;
  private volatile boolean stopped;
  private Thread thread;

  ChannelWorker(Route route, OutboxJournal journal, int attempts, Backoff backoff,
      int breakerFailures, Duration breakerCooldown, Clock clock, Sleeper sleeper,
      RandomGenerator random, DeliveryListener listener) {
    this.route = route;
    this.name = route.channel().name();
    this.journal = journal;
    this.attempts = attempts;
    this.backoff = backoff;
    this.sleeper = sleeper;
    this.random = random;
    this.listener = listener;
    this.breaker = new CircuitBreaker(breakerFailures, breakerCooldown, clock,
        s -> {
          LOG.info("channel {}: circuit breaker {}", name, s.id());
          tell(() -> listener.breakerState(name, s.id()));
        });
  }

  Route route() {
    return route;
  }

  OutboxJournal journal() {
    return journal;
  }

  CircuitBreaker.State breaker() {
    return breaker.state();
  }

  /** Whether the worker stopped because its journal could not be written. */
  boolean stopped() {
    return stopped;
  }

  void start() {
    tell(() -> listener.breakerState(name, breaker.state().id()));
    tell(() -> listener.queued(name, journal.pending()));
    thread = Thread.ofVirtual().name("alerts-" + name).start(this::run);
  }

  /** Queues {@code alerts} (those this channel takes) durably, and wakes the worker. */
  void enqueue(List<Alert> alerts) throws IOException {
    List<Alert> added = journal.queue(alerts);
    if (!added.isEmpty()) {
      tell(() -> listener.queued(name, journal.pending()));
      signal();
    }
  }

  /** Waits until nothing is pending, or {@code nanos} pass; true if nothing is pending. */
  boolean awaitIdle(long nanos) throws InterruptedException {
    lock.lock();
    try {
      while (journal.pending() > 0 && !stopped && !closed) {
        if (nanos <= 0) {
          return false;
        }
        nanos = changed.awaitNanos(nanos);
      }
      return journal.pending() == 0;
    } finally {
      lock.unlock();
    }
  }

  /** Stops the worker and waits up to {@code grace} for an attempt in flight to end. */
  void close(Duration grace) throws InterruptedException {
    closed = true;
    signal();
    if (thread != null) {
      thread.interrupt();
      if (!thread.join(grace)) {
        LOG.warn("channel {}: a delivery still in flight after {}; it is delivered again on the"
            + " next start if it was not recorded", name, grace);
      }
    }
  }

  private void signal() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void run() {
    try {
      while (!closed) {
        Queued next = next();
        if (next == null) {
          return;
        }
        deliver(next);
        signal();
      }
    } catch (InterruptedException e) {
      // closing
    } catch (IOException e) {
      // The journal cannot record what happened: stop rather than deliver again and again.
      stopped = true;
      signal();
      LOG.error("channel {}: stopped delivering: {}", name, e.getMessage(), e);
    }
  }

  /** The head of the queue, waiting for one; null once closed. */
  private Queued next() throws InterruptedException {
    lock.lock();
    try {
      while (!closed) {
        var head = journal.head();
        if (head.isPresent()) {
          return head.get();
        }
        changed.await(1, TimeUnit.MINUTES);
      }
      return null;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Tries {@code q} until it is delivered or given up; records which, durably. Only attempts
   * made with the breaker closed count towards giving up: the half-open breaker's trials probe a
   * channel that is down, and an outage longer than the attempts' backoff must not lose alerts.
   * An alert the channel refuses for good (its trials fail while other alerts would pass) is
   * given up after {@link #MAX_TRIALS} trials, so it cannot hold the channel forever.
   */
  private void deliver(Queued q) throws InterruptedException, IOException {
    String id = q.alert().id();
    int trials = 0;
    for (int attempt = 1; ; ) {
      for (Duration wait = breaker.untilAttempt(); wait.isPositive();
          wait = breaker.untilAttempt()) {
        sleeper.sleep(wait);
      }
      if (closed) {
        throw new InterruptedException();
      }
      boolean trial = breaker.state() != CircuitBreaker.State.CLOSED;
      try {
        route.channel().deliver(q.alert());
      } catch (IOException | RuntimeException e) {
        if (closed) {
          throw new InterruptedException();
        }
        breaker.failure();
        String error = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
        if (trial) {
          trials++;
        }
        if (!trial && attempt >= attempts || trials >= MAX_TRIALS) {
          journal.failed(q, attempt, error);
          LOG.warn("channel {}: gave up alert {} after {} attempts: {}", name, id, attempt,
              error);
          tell(() -> listener.attempted(name, "given_up"));
          tell(() -> listener.queued(name, journal.pending()));
          return;
        }
        LOG.info("channel {}: alert {} attempt {} of {} failed: {}", name, id, attempt,
            attempts, error);
        tell(() -> listener.attempted(name, "failed"));
        if (breaker.state() == CircuitBreaker.State.CLOSED) {
          sleeper.sleep(backoff.delay(attempt - 1, random));
        }
        if (!trial) {
          attempt++;
        }
        continue;
      }
      breaker.success();
      // Recorded after the receiver accepted: a crash in between sends it once more, and the
      // receiver drops the copy by its alert ID.
      journal.delivered(q);
      LOG.debug("channel {}: delivered alert {}", name, id);
      tell(() -> listener.attempted(name, "delivered"));
      tell(() -> listener.queued(name, journal.pending()));
      return;
    }
  }

  private void tell(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      LOG.warn("channel {}: the delivery listener failed: {}", name, e.toString(), e);
    }
  }
}
