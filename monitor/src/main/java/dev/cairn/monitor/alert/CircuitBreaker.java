package dev.cairn.monitor.alert;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * One channel's circuit breaker: closed while deliveries succeed; open after {@code threshold}
 * consecutive failures, when nothing is tried; half-open once {@code cooldown} has passed since
 * it opened, when one trial is allowed: its success closes the breaker, its failure opens it for
 * another cooldown. Used by one worker thread; {@link #state} may be read from any.
 */
final class CircuitBreaker {
  /** Its states; {@link #id} is the metrics label. */
  enum State {
    CLOSED, OPEN, HALF_OPEN;

    String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final int threshold;
  private final Duration cooldown;
  private final Clock clock;
  private final Consumer<State> changed;
  private volatile State state = State.CLOSED;
  private int failures;
  private Instant openedAt = Instant.MIN;

  CircuitBreaker(int threshold, Duration cooldown, Clock clock, Consumer<State> changed) {
    if (threshold < 1) {
      throw new IllegalArgumentException("a breaker opens after at least one failure");
    }
    this.threshold = threshold;
    this.cooldown = cooldown;
    this.clock = clock;
    this.changed = changed;
  }

  State state() {
    return state;
  }

  /**
   * How long to wait before the next attempt: zero if one may be made now (closed, or the
   * cooldown is over, which makes the breaker half-open).
   */
  Duration untilAttempt() {
    if (state != State.OPEN) {
      return Duration.ZERO;
    }
    Duration left = Duration.between(clock.instant(), openedAt.plus(cooldown));
    if (left.isPositive()) {
      return left;
    }
    set(State.HALF_OPEN);
    return Duration.ZERO;
  }

  /** An attempt succeeded. */
  void success() {
    failures = 0;
    set(State.CLOSED);
  }

  /** An attempt failed. */
  void failure() {
    failures++;
    if (state == State.HALF_OPEN || failures >= threshold) {
      openedAt = clock.instant();
      set(State.OPEN);
    }
  }

  private void set(State s) {
    if (state != s) {
      state = s;
      changed.accept(s);
    }
  }
}
