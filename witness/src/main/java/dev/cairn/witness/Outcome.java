package dev.cairn.witness;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** How the witness answers one {@code add-checkpoint} request: a closed set. */
public sealed interface Outcome {
  /** The HTTP status of the answer. */
  int status();

  /**
   * Cosigned: the answer is the cosignature lines.
   *
   * @param lines the cosignature lines, each ending in a newline
   */
  record Cosigned(String lines) implements Outcome {
    @Override
    public int status() {
      return 200;
    }

    /** The answer's body. */
    public byte[] body() {
      return lines.getBytes(StandardCharsets.UTF_8);
    }
  }

  /**
   * The old size is not the size last cosigned (409): the answer says which it is.
   *
   * @param size the size of the latest cosigned checkpoint, 0 if none
   */
  record StaleOldSize(long size) implements Outcome {
    @Override
    public int status() {
      return 409;
    }
  }

  /**
   * Too many requests for this log (429).
   *
   * @param retryAfter when a request may succeed again
   */
  record Slow(Duration retryAfter) implements Outcome {
    @Override
    public int status() {
      return 429;
    }
  }

  /**
   * Refused with a 4xx status (or 503) and a one-line reason.
   *
   * @param status 400, 403, 404, 422 or 503
   * @param reason what was wrong, in one line
   */
  record Refused(int status, String reason) implements Outcome {}
}
