package dev.cairn.log.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of request bodies being read, bounded for the whole server: a body is counted — by
 * its declared length, or by its route's limit when chunked — before its first byte is read,
 * until it is read or refused. However many clients send however slowly, the bodies held in
 * memory stay under the limit. Thread-safe.
 */
public final class BodyBudget {
  private final long limit;
  private final AtomicLong inFlight = new AtomicLong();

  /** A budget of {@code limit} bytes. */
  public BodyBudget(long limit) {
    this.limit = limit;
  }

  /** Counts {@code bytes} if they fit under the limit; whether they did. */
  public boolean tryReserve(long bytes) {
    long now;
    do {
      now = inFlight.get();
      if (now + bytes > limit) {
        return false;
      }
    } while (!inFlight.compareAndSet(now, now + bytes));
    return true;
  }

  /** Counts out {@code bytes} reserved before. */
  public void release(long bytes) {
    inFlight.addAndGet(-bytes);
  }

  /** The bytes counted now. */
  public long inFlight() {
    return inFlight.get();
  }

  long limit() {
    return limit;
  }
}
