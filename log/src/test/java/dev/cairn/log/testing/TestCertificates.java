package dev.cairn.log.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A test certificate authority and the server certificates it issues for {@code localhost} and
 * {@code 127.0.0.1}, written as the PEM files an operator would give {@code --tls-cert} and
 * {@code --tls-key}, and an {@link SSLContext} for clients that trust the authority.
 */
public final class TestCertificates {
  private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());
  private final KeyPair caKeys;
  private final X509Certificate ca;

  /** A server certificate and its key. */
  public record Issued(X509Certificate certificate, PrivateKey key) {
    /** The serial number, which tells certificates apart. */
    public BigInteger serial() {
      return certificate.getSerialNumber();
    }
  }

  /** How a private key is written. */
  public enum KeyFormat {
    /** {@code BEGIN PRIVATE KEY}. */
    PKCS8,
    /** {@code BEGIN EC PRIVATE KEY} or {@code BEGIN RSA PRIVATE KEY}. */
    TRADITIONAL,
    /** {@code BEGIN ENCRYPTED PRIVATE KEY}. */
    ENCRYPTED
  }

  /** A new authority. */
  public TestCertificates() {
    try {
      caKeys = ecKeys();
      X500Name name = new X500Name("CN=Cairn test CA");
      Instant now = Instant.now();
      JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name,
          BigInteger.valueOf(SERIALS.incrementAndGet()), Date.from(now.minusSeconds(3600)),
          Date.from(now.plus(Duration.ofDays(30))), name, caKeys.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      ca = sign(b, caKeys.getPrivate(), "SHA256withECDSA");
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair ecKeys() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static X509Certificate sign(JcaX509v3CertificateBuilder b, PrivateKey key,
      String algorithm) throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter().getCertificate(
          b.build(new JcaContentSignerBuilder(algorithm).build(key)));
    } catch (org.bouncycastle.operator.OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  /** The authority's certificate. */
  public X509Certificate ca() {
    return ca;
  }

  /** An EC P-256 server certificate valid from an hour ago for a day. */
  public Issued issue() {
    return issue("EC", Instant.now().minusSeconds(3600), Instant.now().plus(Duration.ofDays(1)));
  }

  /**
   * A server certificate for {@code localhost} and {@code 127.0.0.1}.
   *
   * @param keyType {@code EC} (P-256) or {@code RSA} (2048 bits)
   */
  public Issued issue(String keyType, Instant notBefore, Instant notAfter) {
    try {
      KeyPair keys;
      if (keyType.equals("RSA")) {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        keys = g.generateKeyPair();
      } else {
        keys = ecKeys();
      }
      JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca,
          BigInteger.valueOf(SERIALS.incrementAndGet()), Date.from(notBefore),
          Date.from(notAfter), new X500Name("CN=localhost"), keys.getPublic());
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
          new GeneralName[] {new GeneralName(GeneralName.dNSName, "localhost"),
              new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
      return new Issued(sign(b, caKeys.getPrivate(), "SHA256withECDSA"), keys.getPrivate());
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The PEM of {@code objects}, one after another. */
  public static String pem(Object... objects) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      for (Object o : objects) {
        w.writeObject(o);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toString();
  }

  /** The PEM of a private key in {@code format}. */
  public static String pem(PrivateKey key, KeyFormat format) {
    try {
      return switch (format) {
        case PKCS8 -> pem(new JcaPKCS8Generator(key, null));
        case TRADITIONAL -> key instanceof java.security.interfaces.ECPrivateKey ec ? sec1(ec)
            : pem(key);
        case ENCRYPTED -> pem(new JcaPKCS8Generator(key,
            new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC)
                .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider())
                .setPassword("secret".toCharArray()).setRandom(new SecureRandom()).build()));
      };
    } catch (org.bouncycastle.operator.OperatorCreationException
        | org.bouncycastle.util.io.pem.PemGenerationException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * An EC key as {@code openssl ecparam -genkey} writes it: SEC1 with the curve's OID (the JDK's
   * own encoding leaves the curve to the PKCS#8 wrapper, which SEC1 has not).
   */
  private static String sec1(java.security.interfaces.ECPrivateKey key) {
    try {
      org.bouncycastle.asn1.sec.ECPrivateKey der = new org.bouncycastle.asn1.sec.ECPrivateKey(
          256, key.getS(), new org.bouncycastle.asn1.x9.X962Parameters(
          org.bouncycastle.asn1.sec.SECObjectIdentifiers.secp256r1));
      return pem(new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", der.getEncoded()));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Writes {@code issued}'s certificate (then the CA's, as a chain) and its PKCS#8 key to the
   * two files, each replaced in one rename so that a reader never sees half of one.
   */
  public void write(Issued issued, Path certificate, Path key) throws IOException {
    replace(certificate, pem(issued.certificate(), ca));
    replace(key, pem(issued.key(), KeyFormat.PKCS8));
    Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString(
        "rw-------"));
  }

  /** Replaces {@code file} with {@code text} in one rename. */
  public static void replace(Path file, String text) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.US_ASCII);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** A client TLS context that trusts this authority alone. */
  public SSLContext clientContext() {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", ca);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(
          TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), new SecureRandom());
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes the authority's certificate as PEM (for clients such as Go's SSL_CERT_FILE). */
  public void writeCa(Path file) throws IOException {
    Files.writeString(file, pem(ca), StandardCharsets.US_ASCII);
  }

  /** The serial of the certificate a fresh handshake with {@code port} on loopback gets. */
  public BigInteger servedSerial(int port) throws IOException {
    try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) clientContext().getSocketFactory()
        .createSocket("127.0.0.1", port)) {
      s.startHandshake();
      return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  /** Every certificate of the chain a fresh handshake gets. */
  public List<X509Certificate> servedChain(int port) throws IOException {
    try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) clientContext().getSocketFactory()
        .createSocket("127.0.0.1", port)) {
      s.startHandshake();
      return java.util.Arrays.stream(s.getSession().getPeerCertificates())
          .map(c -> (X509Certificate) c).toList();
    }
  }
}
