package dev.cairn.monitor;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter: the wait after the {@code n}th failure (from 0) is
 * uniformly random in {@code [0, min(max, base * 2^n)]}, so channels and monitors that failed
 * together do not retry together. Used by alert deliveries and by reads of logs and witnesses.
 */
public record Backoff(Duration base, Duration max) {
  /** Checks the bounds. */
  public Backoff {
    if (base.isNegative() || max.isNegative()) {
      throw new IllegalArgumentException("a backoff is not negative");
    }
  }

  /** The cap of the wait after failure {@code n}: {@code min(max, base * 2^n)}. */
  public Duration cap(int n) {
    long baseNanos = base.toNanos();
    if (baseNanos == 0) {
      return Duration.ZERO;
    }
    int shift = Math.min(n, 62);
    long cap = baseNanos > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : baseNanos << shift;
    return Duration.ofNanos(Math.min(cap, max.toNanos()));
  }

  /** A random wait in {@code [0, cap(n)]}. */
  public Duration delay(int n, RandomGenerator random) {
    long cap = cap(n).toNanos();
    return cap == 0 ? Duration.ZERO
        : Duration.ofNanos(cap == Long.MAX_VALUE ? random.nextLong(cap) : random.nextLong(cap + 1));
  }
}
