package dev.cairn.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Collection;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The HTTP client the commands that talk to a log use: the JDK's trusted authorities, or with
 * {@code --ca-cert FILE} the PEM certificates in that file alone (a log with a private CA).
 */
final class HttpClients {
  private HttpClients() {}

  /** A client builder trusting {@code caCert}'s certificates if given, else the JDK's. */
  static HttpClient.Builder builder(Optional<Path> caCert, Duration connectTimeout) {
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(connectTimeout);
    if (caCert.isPresent()) {
      b.sslContext(trusting(caCert.get()));
    }
    return b;
  }

  private static SSLContext trusting(Path file) {
    Collection<? extends Certificate> certs;
    try (InputStream in = Files.newInputStream(file)) {
      certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
    } catch (IOException | GeneralSecurityException e) {
      throw new CliException(CliException.USAGE, "cannot read --ca-cert " + file + ": "
          + e.getMessage());
    }
    if (certs.isEmpty()) {
      throw new CliException(CliException.USAGE, "--ca-cert " + file
          + " holds no PEM certificate");
    }
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      int i = 0;
      for (Certificate c : certs) {
        trust.setCertificateEntry("ca" + i++, c);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(
          TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
