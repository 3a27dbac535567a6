package dev.cairn.monitor.alert;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A sleeper the test steps: each sleep is announced, waits for the test to {@link #release} it,
 * then moves the test's clock on by its duration instead of waiting.
 */
final class GateSleeper implements Sleeper {
  private final TestAlerts.MutableClock clock;
  private final BlockingQueue<Duration> requested = new LinkedBlockingQueue<>();
  private final Semaphore released = new Semaphore(0);

  GateSleeper(TestAlerts.MutableClock clock) {
    this.clock = clock;
  }

  @Override
  public void sleep(Duration d) throws InterruptedException {
    requested.put(d);
    released.acquire();
    clock.advance(d);
  }

  /** The next sleep a worker asked for (failing after 20 s: a deadline, not a timing). */
  Duration next() throws InterruptedException {
    Duration d = requested.poll(20, TimeUnit.SECONDS);
    if (d == null) {
      throw new AssertionError("no sleep requested within 20 s");
    }
    return d;
  }

  void release() {
    released.release();
  }
}
