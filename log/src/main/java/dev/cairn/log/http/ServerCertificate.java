package dev.cairn.log.http;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * The server's TLS certificate chain and private key, read from the PEM files an operator (or
 * an ACME client) writes: the certificate file holds the leaf certificate first, then any
 * intermediates; the key file one unencrypted private key — PKCS#8 ({@code BEGIN PRIVATE KEY}),
 * SEC1 ({@code BEGIN EC PRIVATE KEY}, optionally after {@code EC PARAMETERS}) or PKCS#1 ({@code
 * BEGIN RSA PRIVATE KEY}) — of an RSA, EC or Ed25519 key. The pair is accepted only if the key
 * signs what the leaf's public key verifies and the leaf is valid now.
 *
 * @param store an in-memory key store holding the pair under {@link #ALIAS}
 * @param password the store's and the entry's password (random, never written anywhere)
 * @param leaf the server certificate
 * @param digest SHA-256 over both files' bytes, to tell whether they changed
 */
record ServerCertificate(KeyStore store, String password, X509Certificate leaf, byte[] digest) {
  static final String ALIAS = "cairn";

  /**
   * Reads and checks the pair.
   *
   * @throws IOException naming the file and what is wrong with it
   */
  static ServerCertificate load(Path certificateFile, Path keyFile, Instant now)
      throws IOException {
    byte[] certBytes = read(certificateFile, "certificate");
    byte[] keyBytes = read(keyFile, "key");
    List<X509Certificate> chain = certificates(certificateFile, certBytes);
    PrivateKey key = privateKey(keyFile, keyBytes);
    X509Certificate leaf = chain.get(0);
    if (!belongTogether(key, leaf)) {
      throw new IOException("the TLS key " + keyFile + " is not the key of the certificate in "
          + certificateFile + " (" + leaf.getSubjectX500Principal().getName() + ")");
    }
    try {
      leaf.checkValidity(Date.from(now));
    } catch (CertificateExpiredException e) {
      throw new IOException("the TLS certificate in " + certificateFile + " expired at "
          + leaf.getNotAfter().toInstant());
    } catch (CertificateNotYetValidException e) {
      throw new IOException("the TLS certificate in " + certificateFile + " is valid only from "
          + leaf.getNotBefore().toInstant());
    }
    byte[] pw = new byte[18];
    new SecureRandom().nextBytes(pw);
    String password = Base64.getEncoder().encodeToString(pw);
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry(ALIAS, key, password.toCharArray(),
          chain.toArray(new X509Certificate[0]));
      return new ServerCertificate(store, password, leaf, digest(certBytes, keyBytes));
    } catch (GeneralSecurityException e) {
      throw new IOException("the TLS key and certificate cannot be used: " + e.getMessage(), e);
    } finally {
      Arrays.fill(keyBytes, (byte) 0);
    }
  }

  /** SHA-256 over both files' bytes as they are now, to compare with {@link #digest()}. */
  static byte[] digest(Path certificateFile, Path keyFile) throws IOException {
    byte[] keyBytes = Files.readAllBytes(keyFile);
    try {
      return digest(Files.readAllBytes(certificateFile), keyBytes);
    } finally {
      Arrays.fill(keyBytes, (byte) 0);
    }
  }

  private static byte[] digest(byte[] certBytes, byte[] keyBytes) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(certBytes);
      md.update(keyBytes);
      return md.digest();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] read(Path file, String what) throws IOException {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new IOException("the TLS " + what + " file " + file + " does not exist");
    }
  }

  private static Reader reader(byte[] bytes) {
    return new java.io.InputStreamReader(new java.io.ByteArrayInputStream(bytes),
        java.nio.charset.StandardCharsets.US_ASCII);
  }

  private static List<X509Certificate> certificates(Path file, byte[] bytes) throws IOException {
    List<X509Certificate> chain = new ArrayList<>();
    try (PEMParser pem = new PEMParser(reader(bytes))) {
      JcaX509CertificateConverter convert = new JcaX509CertificateConverter();
      for (Object o = pem.readObject(); o != null; o = pem.readObject()) {
        if (!(o instanceof X509CertificateHolder h)) {
          throw new IOException("the TLS certificate file " + file + " holds a "
              + o.getClass().getSimpleName() + ", not only certificates");
        }
        chain.add(convert.getCertificate(h));
      }
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IOException("the TLS certificate file " + file + " is not valid PEM: "
          + e.getMessage(), e);
    }
    if (chain.isEmpty()) {
      throw new IOException("the TLS certificate file " + file + " holds no PEM certificate"
          + " (BEGIN CERTIFICATE)");
    }
    return chain;
  }

  private static PrivateKey privateKey(Path file, byte[] bytes) throws IOException {
    PrivateKey key = null;
    try (PEMParser pem = new PEMParser(reader(bytes))) {
      JcaPEMKeyConverter convert = new JcaPEMKeyConverter();
      for (Object o = pem.readObject(); o != null; o = pem.readObject()) {
        if (o instanceof ASN1ObjectIdentifier || o instanceof X9ECParameters) {
          continue; // the EC PARAMETERS block that `openssl ecparam -genkey` writes first
        }
        if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
          throw new IOException("the TLS key file " + file + " is encrypted: give it"
              + " unencrypted (openssl pkey -in KEY -out PLAIN) and readable by the log only");
        }
        if (key != null) {
          throw new IOException("the TLS key file " + file + " holds more than one key");
        }
        if (o instanceof PrivateKeyInfo info) {
          key = convert.getPrivateKey(info);
        } else if (o instanceof PEMKeyPair pair) {
          key = convert.getPrivateKey(pair.getPrivateKeyInfo()); // SEC1 may omit the public key
        } else {
          throw new IOException("the TLS key file " + file + " holds a "
              + o.getClass().getSimpleName() + ", not a private key");
        }
      }
    } catch (org.bouncycastle.openssl.PEMException | RuntimeException e) {
      throw new IOException("the TLS key file " + file + " is not a valid PEM private key: "
          + e.getMessage(), e);
    }
    if (key == null) {
      throw new IOException("the TLS key file " + file + " holds no PEM private key");
    }
    return key;
  }

  private static boolean belongTogether(PrivateKey key, X509Certificate leaf) throws IOException {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC", "ECDSA" -> "SHA256withECDSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> throw new IOException("a TLS key must be RSA, EC or Ed25519, not "
          + key.getAlgorithm());
    };
    byte[] probe = "cairn tls key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    try {
      Signature sign = Signature.getInstance(algorithm);
      sign.initSign(key);
      sign.update(probe);
      byte[] sig = sign.sign();
      Signature verify = Signature.getInstance(algorithm);
      verify.initVerify(leaf.getPublicKey());
      verify.update(probe);
      return verify.verify(sig);
    } catch (GeneralSecurityException e) {
      return false; // e.g. an RSA key beside an EC certificate
    }
  }
}
