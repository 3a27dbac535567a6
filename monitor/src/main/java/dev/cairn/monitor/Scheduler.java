package dev.cairn.monitor;

import dev.cairn.monitor.report.Evidence;
import dev.cairn.monitor.report.Finding;
import dev.cairn.monitor.report.Rule;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs the monitor every interval, plus or minus a random jitter (so that monitors started
 * together do not all read a log at once). A run that starts more than one interval after it
 * was due — the host was suspended, or the run before overran — means runs were missed: the
 * next run reports a {@code monitor.missed_run} finding saying how many, and the metric counts
 * them. Runs never overlap; one starts at once when {@link #now} is called.
 */
public final class Scheduler implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Scheduler.class);

  /** Runs one audit of every log. */
  @FunctionalInterface
  public interface Run {
    /** Runs with {@code extra} findings about the monitor itself. */
    void run(List<Finding> extra) throws Exception;
  }

  private final Duration interval;
  private final Duration jitter;
  private final Clock clock;
  private final Run run;
  private final MonitorMetrics metrics;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  private boolean stopped;
  private boolean runNow;
  private Thread thread;

  /** A scheduler of {@code run} every {@code interval} ± {@code jitter}. */
  public Scheduler(Duration interval, Duration jitter, Clock clock, Run run,
      MonitorMetrics metrics) {
    if (!interval.isPositive() || jitter.isNegative() || jitter.compareTo(interval) >= 0) {
      throw new IllegalArgumentException("a schedule needs an interval above 0 and a jitter"
          + " below it (got " + interval + " ± " + jitter + ")");
    }
    this.interval = interval;
    this.jitter = jitter;
    this.clock = clock;
    this.run = run;
    this.metrics = metrics;
  }

  /** Starts running: the first run at once. */
  public synchronized void start() {
    thread = Thread.ofVirtual().name("cairn-monitor-scheduler").start(this::loop);
  }

  /** Asks for a run at once (the next scheduled one moves accordingly). */
  public void now() {
    lock.lock();
    try {
      runNow = true;
      wake.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void loop() {
    Instant due = clock.instant();
    while (true) {
      lock.lock();
      try {
        while (!stopped && !runNow) {
          long wait = Duration.between(clock.instant(), due).toNanos();
          if (wait <= 0) {
            break;
          }
          wake.awaitNanos(wait);
        }
        if (stopped) {
          return;
        }
        runNow = false;
      } catch (InterruptedException e) {
        return;
      } finally {
        lock.unlock();
      }
      Instant started = clock.instant();
      long late = Duration.between(due, started).toNanos();
      long missed = late > interval.toNanos() ? late / interval.toNanos() : 0;
      List<Finding> extra = List.of();
      if (missed > 0) {
        for (long i = 0; i < missed; i++) {
          metrics.missedRun();
        }
        LOG.warn("{} scheduled runs were missed: this run was due at {} and started at {}",
            missed, due, started);
        extra = List.of(Finding.of(Rule.MONITOR_MISSED_RUN, "monitor", due.toString(),
            missed + " scheduled audit runs were missed: the run due at " + due
                + " started at " + started + ".",
            "a run starting at " + started, "a run every " + interval + " (± " + jitter + ")",
            List.of(Evidence.text("schedule", "due " + due + ", started " + started
                + ", interval " + interval)), started));
      }
      try {
        run.run(extra);
      } catch (Exception e) {
        LOG.error("a scheduled run failed; the next is still scheduled", e);
      }
      long j = jitter.isZero() ? 0 : ThreadLocalRandom.current().nextLong(-jitter.toNanos(),
          jitter.toNanos() + 1);
      due = started.plus(interval).plusNanos(j);
    }
  }

  @Override
  public void close() throws InterruptedException {
    lock.lock();
    try {
      stopped = true;
      wake.signalAll();
    } finally {
      lock.unlock();
    }
    Thread t;
    synchronized (this) {
      t = thread;
    }
    if (t != null) {
      t.join();
    }
  }
}
