package dev.cairn.http;

import java.time.Duration;

/**
 * The HTTP server's address and limits.
 *
 * @param host the address to listen on
 * @param port the port (0 for any free one)
 * @param maxBatchEntries the most entries one {@code /add-batch} may carry
 * @param maxBatchBytes the largest {@code /add-batch} body
 * @param idleTimeout how long an idle connection stays open
 * @param proofWait how long {@code /add} with {@code Accept: application/json} waits for a
 *     checkpoint before giving up with 503
 */
public record HttpConfig(String host, int port, int maxBatchEntries, int maxBatchBytes,
    Duration idleTimeout, Duration proofWait) {
  /** Checks the ranges. */
  public HttpConfig {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0 to 65535, got " + port);
    }
    if (maxBatchEntries < 1) {
      throw new IllegalArgumentException("max batch entries must be at least 1");
    }
    if (maxBatchBytes < 2) {
      throw new IllegalArgumentException("max batch bytes must be at least 2");
    }
  }

  /** Defaults on {@code host:port}. */
  public static HttpConfig defaults(String host, int port) {
    return new HttpConfig(host, port, 4096, 8 << 20, Duration.ofSeconds(30),
        Duration.ofSeconds(30));
  }
}
