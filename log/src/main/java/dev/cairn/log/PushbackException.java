package dev.cairn.log;

import java.time.Duration;

/**
 * The log cannot take a submission now — the pool is full, or sequencing is failing — and the
 * client should retry later. HTTP turns it into 503 with {@code Retry-After}.
 */
public final class PushbackException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Duration retryAfter;

  /** Pushback for {@code reason}, suggesting a retry after {@code retryAfter}. */
  public PushbackException(String reason, Duration retryAfter) {
    super(reason);
    this.retryAfter = retryAfter;
  }

  /** When the client should try again. */
  public Duration retryAfter() {
    return retryAfter;
  }
}
