package dev.cairn.monitor.alert;

import java.time.Duration;

/** Waits, for backoff and breaker cooldowns: a seam so tests need not wait for real. */
@FunctionalInterface
public interface Sleeper {
  /** Sleeps with {@link Thread#sleep}. */
  Sleeper SYSTEM = d -> Thread.sleep(d);

  /**
   * Returns after {@code duration}, or throws when the thread is interrupted (the outbox
   * interrupts its workers when it closes).
   */
  void sleep(Duration duration) throws InterruptedException;
}
