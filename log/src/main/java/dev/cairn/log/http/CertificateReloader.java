package dev.cairn.log.http;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * Serves a renewed certificate without a restart: every reload interval it reads the
 * certificate and key files again and, when their bytes changed and the new pair is valid,
 * swaps it into the TLS context (new handshakes get it; open connections keep theirs). A pair
 * that does not load — half written, mismatched, expired — leaves the current one in service
 * and is reported once at WARN, until the files change again.
 */
final class CertificateReloader implements AutoCloseable {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(CertificateReloader.class);

  private final HttpConfig.Tls files;
  private final SslContextFactory.Server context;
  private final Clock clock;
  private volatile ServerCertificate current;
  private byte[] lastRefused = new byte[0];
  private Thread thread;

  CertificateReloader(HttpConfig.Tls files, Clock clock) throws IOException {
    this.files = files;
    this.clock = clock;
    this.current = ServerCertificate.load(files.certificate(), files.key(), clock.instant());
    this.context = new SslContextFactory.Server();
    context.setKeyStore(current.store());
    context.setKeyStorePassword(current.password());
    context.setCertAlias(ServerCertificate.ALIAS);
    context.setIncludeProtocols("TLSv1.3", "TLSv1.2");
    context.setSniRequired(false);
    // No second handshake on an open TLS 1.2 connection: each is a key exchange and a signature
    // of the server's, on the thread that serves every connection's requests
    // (OffSelectorHandshakes moves only the first). Java 25 refuses one already; this does
    // whatever the JDK's default.
    context.setRenegotiationAllowed(false);
  }

  /** The TLS context the connector serves. */
  SslContextFactory.Server context() {
    return context;
  }

  /** The certificate being served. */
  java.security.cert.X509Certificate certificate() {
    return current.leaf();
  }

  /** When the certificate being served expires. */
  Instant notAfter() {
    return current.leaf().getNotAfter().toInstant();
  }

  /** Starts checking the files every reload interval. */
  synchronized void start() {
    thread = Thread.ofVirtual().name("cairn-tls-reload").start(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        try {
          Thread.sleep(files.reloadInterval());
        } catch (InterruptedException e) {
          return;
        }
        reloadIfChanged();
      }
    });
  }

  /** Swaps in the files' pair if they changed and it loads; says what happened once. */
  void reloadIfChanged() {
    byte[] now;
    try {
      now = ServerCertificate.digest(files.certificate(), files.key());
    } catch (IOException e) {
      refuse(new byte[] {1}, "the TLS files cannot be read: " + e);
      return;
    }
    if (Arrays.equals(now, current.digest()) || Arrays.equals(now, lastRefused)) {
      return;
    }
    ServerCertificate next;
    try {
      next = ServerCertificate.load(files.certificate(), files.key(), clock.instant());
    } catch (IOException | RuntimeException e) {
      refuse(now, e.getMessage());
      return;
    }
    try {
      use(next);
    } catch (Exception e) {
      // The context unloads before it loads: put the pair in service back, or nothing is.
      try {
        use(current);
      } catch (Exception again) {
        // Not remembered as refused: every interval tries again until a pair loads.
        LOG.error("the TLS context cannot load the certificate in service again: {}", again
            .toString());
        return;
      }
      refuse(now, "the TLS context refused it: " + e);
      return;
    }
    current = next;
    LOG.info("serving the renewed TLS certificate {} for {}, valid until {}",
        next.leaf().getSerialNumber().toString(16), next.leaf().getSubjectX500Principal().getName(),
        notAfter());
  }

  private void use(ServerCertificate pair) throws Exception {
    context.reload(c -> {
      c.setKeyStore(pair.store());
      c.setKeyStorePassword(pair.password());
    });
  }

  private void refuse(byte[] digest, String why) {
    if (!Arrays.equals(digest, lastRefused)) {
      lastRefused = digest;
      LOG.warn("keeping the TLS certificate in service (valid until {}): {}", notAfter(), why);
    }
  }

  @Override
  public synchronized void close() {
    if (thread != null) {
      thread.interrupt();
    }
  }
}
