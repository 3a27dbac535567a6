package dev.cairn.log.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.log.testing.TestCertificates;
import dev.cairn.log.testing.TestCertificates.Issued;
import dev.cairn.log.testing.TestCertificates.KeyFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Reading the server's PEM certificate chain and key: the key forms operators and ACME clients
 * write, and every bad pair refused naming the file and what is wrong.
 */
class ServerCertificateTest {
  private static final TestCertificates CA = new TestCertificates();
  @TempDir Path dir;

  private Path cert() {
    return dir.resolve("cert.pem");
  }

  private Path key() {
    return dir.resolve("key.pem");
  }

  private ServerCertificate load() throws IOException {
    return ServerCertificate.load(cert(), key(), Instant.now());
  }

  @ParameterizedTest
  @CsvSource({"EC,PKCS8", "EC,TRADITIONAL", "RSA,PKCS8", "RSA,TRADITIONAL"})
  void loadsEachKeyFormWithItsChain(String type, KeyFormat format) throws Exception {
    Issued issued = CA.issue(type, Instant.now().minusSeconds(60),
        Instant.now().plus(Duration.ofDays(1)));
    Files.writeString(cert(), TestCertificates.pem(issued.certificate(), CA.ca()));
    Files.writeString(key(), TestCertificates.pem(issued.key(), format));
    ServerCertificate c = load();
    assertThat(c.leaf()).isEqualTo(issued.certificate());
    KeyStore ks = c.store();
    Certificate[] chain = ks.getCertificateChain(ServerCertificate.ALIAS);
    assertThat(chain).containsExactly(issued.certificate(), CA.ca());
    java.security.Key stored = ks.getKey(ServerCertificate.ALIAS, c.password().toCharArray());
    String alg = type.equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
    java.security.Signature sign = java.security.Signature.getInstance(alg);
    sign.initSign((java.security.PrivateKey) stored);
    sign.update(new byte[] {1, 2, 3});
    java.security.Signature verify = java.security.Signature.getInstance(alg);
    verify.initVerify(issued.certificate());
    verify.update(new byte[] {1, 2, 3});
    assertThat(verify.verify(sign.sign())).as("the stored key is the certificate's").isTrue();
    assertThat(c.digest()).isEqualTo(ServerCertificate.digest(cert(), key()));
  }

  @Test
  void aSec1KeyAfterItsEcParametersBlockLoads() throws Exception {
    Issued issued = CA.issue();
    Files.writeString(cert(), TestCertificates.pem(issued.certificate()));
    // What `openssl ecparam -genkey -name prime256v1` writes.
    Files.writeString(key(), "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n"
        + "-----END EC PARAMETERS-----\n" + TestCertificates.pem(issued.key(),
        KeyFormat.TRADITIONAL));
    assertThat(load().leaf()).isEqualTo(issued.certificate());
  }

  @Test
  void badPairsAreRefusedNamingWhatIsWrong() throws Exception {
    Issued issued = CA.issue();
    Issued other = CA.issue();
    assertThatThrownBy(this::load).hasMessageContaining("the TLS certificate file " + cert()
        + " does not exist");
    Files.writeString(cert(), TestCertificates.pem(issued.certificate()));
    assertThatThrownBy(this::load).hasMessageContaining("the TLS key file " + key()
        + " does not exist");

    Files.writeString(key(), TestCertificates.pem(other.key(), KeyFormat.PKCS8));
    assertThatThrownBy(this::load).hasMessageContaining("the TLS key " + key()
        + " is not the key of the certificate in " + cert());

    Files.writeString(key(), TestCertificates.pem(issued.key(), KeyFormat.ENCRYPTED));
    assertThatThrownBy(this::load).hasMessageContaining("is encrypted");

    Files.writeString(key(), TestCertificates.pem(issued.key(), KeyFormat.PKCS8)
        + TestCertificates.pem(other.key(), KeyFormat.PKCS8));
    assertThatThrownBy(this::load).hasMessageContaining("holds more than one key");

    Files.writeString(key(), "not a key\n");
    assertThatThrownBy(this::load).hasMessageContaining("holds no PEM private key");

    Files.writeString(key(), TestCertificates.pem(issued.key(), KeyFormat.PKCS8));
    Files.writeString(cert(), "");
    assertThatThrownBy(this::load).hasMessageContaining("holds no PEM certificate");
    Files.writeString(cert(), TestCertificates.pem(issued.key(), KeyFormat.PKCS8));
    assertThatThrownBy(this::load).hasMessageContaining("not only certificates");

    Issued expired = CA.issue("EC", Instant.now().minus(Duration.ofDays(2)),
        Instant.now().minus(Duration.ofDays(1)));
    CA.write(expired, cert(), key());
    assertThatThrownBy(this::load).hasMessageContaining("expired at "
        + expired.certificate().getNotAfter().toInstant());
    Issued early = CA.issue("EC", Instant.now().plus(Duration.ofDays(1)),
        Instant.now().plus(Duration.ofDays(2)));
    CA.write(early, cert(), key());
    assertThatThrownBy(this::load).hasMessageContaining("is valid only from");
  }
}
