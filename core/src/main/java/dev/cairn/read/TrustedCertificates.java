package dev.cairn.read;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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
 * TLS that trusts only the certificate authorities of one PEM file (a log behind a private CA)
 * instead of the JDK's: for {@link HttpLogReader} and the command line's calls to a log.
 */
public final class TrustedCertificates {
  private TrustedCertificates() {}

  /**
   * An HTTP client builder with {@code connectTimeout}, trusting the PEM certificates of
   * {@code caFile} if given, else the JDK's authorities.
   *
   * @throws IOException as {@link #sslContext} does
   */
  public static HttpClient.Builder httpClient(Optional<Path> caFile, Duration connectTimeout)
      throws IOException {
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(connectTimeout);
    if (caFile.isPresent()) {
      b.sslContext(sslContext(caFile.get()));
    }
    return b;
  }

  /**
   * A key store of the certificates in {@code pemFile}, as trusted entries.
   *
   * @throws IOException naming the file, if it cannot be read, is not PEM, or holds no
   *     certificate
   */
  public static KeyStore keyStore(Path pemFile) throws IOException {
    Collection<? extends Certificate> certs;
    try (InputStream in = Files.newInputStream(pemFile)) {
      certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
    } catch (NoSuchFileException e) {
      throw new IOException(pemFile + " does not exist", e);
    } catch (GeneralSecurityException e) {
      throw new IOException(pemFile + " is not a file of PEM certificates: " + e.getMessage(), e);
    }
    if (certs.isEmpty()) {
      throw new IOException(pemFile + " holds no PEM certificate");
    }
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      int i = 0;
      for (Certificate c : certs) {
        trust.setCertificateEntry("ca" + i++, c);
      }
      return trust;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK cannot hold certificates: " + e.getMessage(), e);
    }
  }

  /**
   * A TLS context trusting the certificates in {@code pemFile} and nothing else.
   *
   * @throws IOException naming the file, if it cannot be read, is not PEM, or holds no
   *     certificate
   */
  public static SSLContext sslContext(Path pemFile) throws IOException {
    KeyStore trust = keyStore(pemFile);
    try {
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(
          TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK cannot build a TLS context: " + e.getMessage(),
          e);
    }
  }
}
