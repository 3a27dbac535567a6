package dev.cairn.log.http;

import dev.cairn.tile.Bundles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The HTTP server's address, limits and TLS.
 *
 * @param host the address to listen on
 * @param port the port (0 for any free one)
 * @param maxBatchEntries the most entries one {@code /add-batch} may carry
 * @param maxBatchBytes the largest {@code /add-batch} body
 * @param maxBodyBytesInFlight the most bytes of write bodies being read at once, counted by
 *     their declared length (or their route's limit when chunked) from before they are read;
 *     a write that does not fit gets 503 with {@code Retry-After} without being read. At least
 *     {@code maxBatchBytes}, so that any body may fit
 * @param maxHeaderBytes the largest request header block (431 beyond)
 * @param maxConnections the most connections open at once; more wait in the kernel's accept
 *     queue until one closes
 * @param maxConnectionsPerAddress the most connections open at once from one client address,
 *     0 for no limit; more are closed as they open
 * @param idleTimeout how long a connection may stay silent (also mid-request) before it is
 *     closed
 * @param proofWait how long {@code /add} with {@code Accept: application/json} waits for a
 *     checkpoint before giving up with 503
 * @param tls the certificate and key to serve HTTPS with, if any (else plain HTTP)
 */
public record HttpConfig(String host, int port, int maxBatchEntries, int maxBatchBytes,
    long maxBodyBytesInFlight, int maxHeaderBytes, int maxConnections,
    int maxConnectionsPerAddress, Duration idleTimeout, Duration proofWait, Optional<Tls> tls) {
  /** The default limits (and no TLS). */
  public static final HttpConfig DEFAULTS = new HttpConfig("127.0.0.1", 8080, 4096, 8 << 20,
      64 << 20, 16 * 1024, 10_000, 1024, Duration.ofSeconds(30), Duration.ofSeconds(30),
      Optional.empty());

  /**
   * HTTPS settings.
   *
   * @param certificate a PEM file: the server certificate, then any intermediates
   * @param key a PEM file: the certificate's unencrypted private key (PKCS#8, or SEC1 EC or
   *     PKCS#1 RSA)
   * @param reloadInterval how often both files are checked for a new pair (a renewed
   *     certificate is served without a restart)
   */
  public record Tls(Path certificate, Path key, Duration reloadInterval) {
    /** Checks the interval. */
    public Tls {
      if (reloadInterval.isNegative() || reloadInterval.isZero()) {
        throw new IllegalArgumentException("the TLS reload interval must be positive");
      }
    }
  }

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
    if (maxBodyBytesInFlight < Math.max(maxBatchBytes, Bundles.MAX_ENTRY_SIZE)) {
      throw new IllegalArgumentException("max body bytes in flight (" + maxBodyBytesInFlight
          + ") must be at least max batch bytes (" + maxBatchBytes + ") and the largest entry ("
          + Bundles.MAX_ENTRY_SIZE + "), or some bodies could never be read");
    }
    if (maxHeaderBytes < 1024 || maxHeaderBytes > 1 << 20) {
      throw new IllegalArgumentException("max header bytes must be 1024 to 1048576, got "
          + maxHeaderBytes);
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException("max connections must be at least 1");
    }
    if (maxConnectionsPerAddress < 0) {
      throw new IllegalArgumentException("max connections per address must be 0 (no limit) or"
          + " more, got " + maxConnectionsPerAddress);
    }
    if (idleTimeout.compareTo(Duration.ofMillis(10)) < 0) {
      throw new IllegalArgumentException("the idle timeout must be at least 10ms, got "
          + idleTimeout);
    }
  }

  /** The default limits on {@code host:port}, plain HTTP. */
  public static HttpConfig defaults(String host, int port) {
    return DEFAULTS.on(host, port);
  }

  /** These settings on another address. */
  public HttpConfig on(String host, int port) {
    return new HttpConfig(host, port, maxBatchEntries, maxBatchBytes, maxBodyBytesInFlight,
        maxHeaderBytes, maxConnections, maxConnectionsPerAddress, idleTimeout, proofWait, tls);
  }

  /** These settings serving HTTPS with {@code tls}. */
  public HttpConfig withTls(Tls tls) {
    return new HttpConfig(host, port, maxBatchEntries, maxBatchBytes, maxBodyBytesInFlight,
        maxHeaderBytes, maxConnections, maxConnectionsPerAddress, idleTimeout, proofWait,
        Optional.of(tls));
  }

  /** {@code http} or {@code https}. */
  public String scheme() {
    return tls.isPresent() ? "https" : "http";
  }
}
