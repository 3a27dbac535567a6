package dev.cairn.log.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock that stands still until the test moves it, forwards or back. */
public final class TestClock extends Clock {
  private volatile Instant now;

  /** A clock reading {@code start}. */
  public TestClock(Instant start) {
    this.now = start;
  }

  /** Moves the clock by {@code d} (negative to go back). */
  public void advance(Duration d) {
    now = now.plus(d);
  }

  /** Sets the clock. */
  public void set(Instant t) {
    now = t;
  }

  @Override
  public Instant instant() {
    return now;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
