package dev.cairn.log.http;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per key (a client address, a token's subject): {@code perSecond} requests a
 * second on average, bursts of up to {@code burst}. Keys whose bucket is full again are forgotten
 * when the map grows past {@code maxKeys}, so memory stays bounded however many clients come.
 */
public final class RateLimit {
  private final double perNano;
  private final double burst;
  private final LongSupplier nanos;
  private final int maxKeys;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  private static final class Bucket {
    double tokens;
    long at;

    Bucket(double tokens, long at) {
      this.tokens = tokens;
      this.at = at;
    }
  }

  RateLimit(double perSecond, double burst, LongSupplier nanos, int maxKeys) {
    if (perSecond <= 0 || burst < 1) {
      throw new IllegalArgumentException("a rate limit needs a positive rate and a burst of at"
          + " least 1, got " + perSecond + "/s and " + burst);
    }
    this.perNano = perSecond / 1e9;
    this.burst = burst;
    this.nanos = nanos;
    this.maxKeys = maxKeys;
  }

  /** A limit of {@code perSecond} with bursts of twice that, on the system clock. */
  public static RateLimit perSecond(double perSecond) {
    return new RateLimit(perSecond, Math.max(1, 2 * perSecond), System::nanoTime, 100_000);
  }

  /**
   * Takes a token for {@code key}: 0 if there was one, else the nanoseconds until there will be
   * (and nothing is taken).
   */
  public long take(String key) {
    long now = nanos.getAsLong();
    if (buckets.size() > maxKeys) {
      buckets.values().removeIf(b -> {
        synchronized (b) {
          return b.tokens + (now - b.at) * perNano >= burst;
        }
      });
      if (buckets.size() > maxKeys / 2) {
        // Too many clients still draining: forget them all rather than grow or rescan on
        // every request (each gets a fresh burst: a bounded leak, not unbounded memory).
        buckets.clear();
      }
    }
    Bucket b = buckets.computeIfAbsent(key, k -> new Bucket(burst, now));
    synchronized (b) {
      b.tokens = Math.min(burst, b.tokens + (now - b.at) * perNano);
      b.at = now;
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return (long) Math.ceil((1 - b.tokens) / perNano);
    }
  }
}
