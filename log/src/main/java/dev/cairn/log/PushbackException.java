package dev.cairn.log;

import java.time.Duration;

/**
 * The log cannot take a submission now — the pool is full, or sequencing is failing — and the
 * client should retry later. HTTP turns it into 503 with {@code Retry-After}.
 */
public final class PushbackException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Duration retryAfter;
  private final boolean fault;

  /** Pushback for {@code reason}, suggesting a retry after {@code retryAfter}. */
  public PushbackException(String reason, Duration retryAfter) {
    this(reason, retryAfter, false);
  }

  private PushbackException(String reason, Duration retryAfter, boolean fault) {
    super(reason);
    this.retryAfter = retryAfter;
    this.fault = fault;
  }

  /**
   * A refusal because storing failed (a fault that may pass: a full or read-only disk, an I/O
   * error): answered like pushback, but an error of the log's, so not counted as pushback.
   */
  public static PushbackException fault(String reason, Duration retryAfter) {
    return new PushbackException(reason, retryAfter, true);
  }

  /**
   * Whether the log refused because storing failed rather than because it is busy: the
   * availability SLI counts the first as an error and excludes the second
   * (docs/operations/slo.md).
   */
  public boolean isFault() {
    return fault;
  }

  /** When the client should try again. */
  public Duration retryAfter() {
    return retryAfter;
  }
}
