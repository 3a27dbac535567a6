package dev.cairn.monitor.alert;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS for an SMTP server whose certificate is trusted by the JDK's authorities or by the PEM
 * certificates of a trust file (a private CA, or the server's own self-signed certificate).
 * Host names are checked by Jakarta Mail ({@code mail.smtp.ssl.checkserveridentity}).
 */
final class SmtpTrust {
  private SmtpTrust() {}

  /**
   * A socket factory trusting the JDK's authorities and those in {@code pemFile}.
   *
   * @throws IOException naming the file, if it cannot be read or holds no PEM certificate
   */
  static SSLSocketFactory socketFactory(Path pemFile) throws IOException {
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
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      int i = 0;
      for (Certificate c : certs) {
        store.setCertificateEntry("ca" + i++, c);
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {new Either(trustManager(store), trustManager(null))},
          null);
      return ctx.getSocketFactory();
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("this JDK cannot build a TLS context: " + e.getMessage(), e);
    }
  }

  /** The JDK's trust manager over {@code store}, or over its own authorities if null. */
  private static X509ExtendedTrustManager trustManager(KeyStore store)
      throws GeneralSecurityException {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(
        TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509ExtendedTrustManager x) {
        return x;
      }
    }
    throw new GeneralSecurityException("no X.509 trust manager");
  }

  /** Trusts a server that either trust manager trusts; trusts no client. */
  private static final class Either extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager first;
    private final X509ExtendedTrustManager second;

    Either(X509ExtendedTrustManager first, X509ExtendedTrustManager second) {
      this.first = first;
      this.second = second;
    }

    private interface Check {
      void check(X509ExtendedTrustManager tm) throws CertificateException;
    }

    private void either(Check c) throws CertificateException {
      try {
        c.check(first);
      } catch (CertificateException e) {
        try {
          c.check(second);
        } catch (CertificateException e2) {
          e2.addSuppressed(e);
          throw e2;
        }
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String auth, Socket socket)
        throws CertificateException {
      either(tm -> tm.checkServerTrusted(chain, auth, socket));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String auth, SSLEngine engine)
        throws CertificateException {
      either(tm -> tm.checkServerTrusted(chain, auth, engine));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String auth)
        throws CertificateException {
      either(tm -> tm.checkServerTrusted(chain, auth));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String auth, Socket socket)
        throws CertificateException {
      throw new CertificateException("an SMTP client trusts no client");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String auth, SSLEngine engine)
        throws CertificateException {
      throw new CertificateException("an SMTP client trusts no client");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String auth)
        throws CertificateException {
      throw new CertificateException("an SMTP client trusts no client");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      X509Certificate[] a = first.getAcceptedIssuers();
      X509Certificate[] b = second.getAcceptedIssuers();
      X509Certificate[] all = java.util.Arrays.copyOf(a, a.length + b.length);
      System.arraycopy(b, 0, all, a.length, b.length);
      return all;
    }
  }
}
