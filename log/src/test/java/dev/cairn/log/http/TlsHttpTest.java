package dev.cairn.log.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.log.LogConfig;
import dev.cairn.log.TransparencyLog;
import dev.cairn.note.VerifierKey;
import dev.cairn.log.testing.LogClient;
import dev.cairn.log.testing.TestCertificates;
import dev.cairn.log.testing.TestCertificates.Issued;
import dev.cairn.verify.LogVerifier;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS in the server, over real TLS on loopback: the API works for a client that trusts the
 * certificate's authority, a plain-HTTP request to the TLS port is never served, and a renewed
 * certificate written over the files is served without a restart, while a bad one is not.
 */
class TlsHttpTest {
  private static final Duration DEADLINE = Duration.ofSeconds(20);
  private final TestCertificates ca = new TestCertificates();
  @TempDir Path dir;
  TransparencyLog log;
  LogServer server;
  Issued first;
  HttpConfig.Tls files;

  @BeforeEach
  void start() throws Exception {
    first = ca.issue();
    files = new HttpConfig.Tls(dir.resolve("cert.pem"), dir.resolve("key.pem"),
        Duration.ofMillis(20));
    ca.write(first, files.certificate(), files.key());
    log = TransparencyLog.open(LogConfig.defaults(dir.resolve("data")));
    server = LogServer.start(log, HttpConfig.defaults("127.0.0.1", 0).withTls(files));
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    log.close();
  }

  @Test
  void theApiIsServedOverTls() throws Exception {
    LogClient client = new LogClient(server.port(), ca.clientContext());
    HttpResponse<byte[]> added = client.post("/add", "over tls".getBytes(UTF_8));
    assertThat(added.statusCode()).isEqualTo(200);
    assertThat(added.sslSession()).hasValueSatisfying(s ->
        assertThat(s.getProtocol()).isIn("TLSv1.3", "TLSv1.2"));
    List<VerifierKey> keys = Files.readAllLines(dir.resolve("data/log.vkey"), UTF_8).stream()
        .filter(l -> !l.isBlank()).map(VerifierKey::parse).toList();
    long end = System.nanoTime() + DEADLINE.toNanos();
    long size = 0;
    while (size < 1 && System.nanoTime() < end) {
      size = LogVerifier.ofLogKeys(keys).verifyCheckpoint(client.get("/checkpoint").body())
          .checkpoint().size();
    }
    assertThat(size).isEqualTo(1);
    assertThat(ca.servedChain(server.port())).containsExactly(first.certificate(), ca.ca());
    assertThat(LogClient.text(client.get("/metrics")))
        .contains("cairn_tls_certificate_expiry_timestamp_seconds "
            + (double) first.certificate().getNotAfter().toInstant().getEpochSecond());
  }

  @Test
  void aLogServedAgainReportsTheNewServersCertificate() throws Exception {
    server.close();
    // Expires a day after the first, so the gauge tells them apart.
    Issued second = ca.issue("EC", Instant.now().minusSeconds(3600),
        first.certificate().getNotAfter().toInstant().plus(Duration.ofDays(1)));
    HttpConfig.Tls other = new HttpConfig.Tls(dir.resolve("cert2.pem"), dir.resolve("key2.pem"),
        Duration.ofMillis(20));
    ca.write(second, other.certificate(), other.key());
    server = LogServer.start(log, HttpConfig.defaults("127.0.0.1", 0).withTls(other));
    LogClient client = new LogClient(server.port(), ca.clientContext());
    assertThat(LogClient.text(client.get("/metrics")))
        .contains("cairn_tls_certificate_expiry_timestamp_seconds "
            + (double) second.certificate().getNotAfter().toInstant().getEpochSecond());
  }

  @Test
  void plainHttpToTheTlsPortIsNotServed() throws Exception {
    long before = log.sequencer().sequenced().size();
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /add HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nplain")
          .getBytes(UTF_8));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] answer = in.readNBytes(12);
      // A TLS alert or nothing at all, never an HTTP answer.
      assertThat(new String(answer, UTF_8)).doesNotStartWith("HTTP/");
    }
    assertThat(log.sequencer().sequenced().size()).isEqualTo(before);
  }

  @Test
  void tls11AndOlderAreRefused() throws Exception {
    // A hand-made ClientHello, as an old client sends it (the JDK's own client will not offer
    // TLS 1.1 at all): the server answers TLS 1.2 with a ServerHello, TLS 1.1 and 1.0 with a
    // protocol_version alert.
    assertThat(firstRecord(clientHello(0x0303))[0]).as("handshake").isEqualTo((byte) 0x16);
    for (int version : new int[] {0x0302, 0x0301}) {
      byte[] answer = firstRecord(clientHello(version));
      assertThat(answer[0]).as("alert").isEqualTo((byte) 0x15);
      assertThat(answer[6]).as("protocol_version").isEqualTo((byte) 70);
    }
  }

  @Test
  void x25519KeySharesAreAgreedByBouncyCastleAndSmallOrderOnesRefused() throws Exception {
    assertThat(java.security.Security.getProviders("KeyAgreement.XDH")[0].getName())
        .isEqualTo(FastKeyExchange.NAME);
    try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) ca.clientContext()
        .getSocketFactory().createSocket("127.0.0.1", server.port())) {
      s.setSoTimeout((int) DEADLINE.toMillis());
      javax.net.ssl.SSLParameters only = s.getSSLParameters();
      only.setNamedGroups(new String[] {"x25519"});
      s.setSSLParameters(only);
      s.startHandshake();
      assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.3");
      assertThat(statusLine(s)).isEqualTo("HTTP/1.1 200 OK");
    }
    // A key share of small order (u = 0 or 1: the shared secret would be all zeros, RFC 7748
    // section 6.1) ends the handshake at the key agreement, right after the ServerHello, as
    // with the JDK's own X25519; a good one goes on to the encrypted part.
    java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("XDH");
    g.initialize(java.security.spec.NamedParameterSpec.X25519);
    BigInteger good = ((java.security.interfaces.XECPublicKey) g.generateKeyPair().getPublic())
        .getU();
    byte[] u = new byte[32];
    for (int i = 0; i < 32; i++) {
      u[i] = good.shiftRight(8 * i).byteValue();
    }
    assertThat(recordTypes(tls13ClientHello(u))).startsWith(0x16).contains(0x17);
    for (byte small : new byte[] {0, 1}) {
      java.util.Arrays.fill(u, (byte) 0);
      u[0] = small;
      assertThat(recordTypes(tls13ClientHello(u))).as("u = %d", small).startsWith(0x16)
          .doesNotContain(0x17);
    }
  }

  /**
   * The types of the records the server answers {@code hello} with, up to its first encrypted
   * one (23) or the connection's end.
   */
  private List<Integer> recordTypes(byte[] hello) throws Exception {
    List<Integer> types = new java.util.ArrayList<>();
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout((int) DEADLINE.toMillis());
      s.getOutputStream().write(hello);
      s.getOutputStream().flush();
      java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
      while (!types.contains(0x17)) {
        int type = in.read();
        if (type < 0) {
          break;
        }
        types.add(type);
        in.readUnsignedShort(); // version
        in.skipNBytes(in.readUnsignedShort());
      }
    } catch (java.net.SocketException closed) {
      // A reset after the last record: the end, as an orderly close would be.
    }
    return types;
  }

  @Test
  void aTls12ConnectionCannotHandshakeAgain() throws Exception {
    try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) ca.clientContext()
        .getSocketFactory().createSocket("127.0.0.1", server.port())) {
      s.setSoTimeout((int) DEADLINE.toMillis());
      s.setEnabledProtocols(new String[] {"TLSv1.2"});
      s.startHandshake();
      assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.2");
      assertThat(statusLine(s)).isEqualTo("HTTP/1.1 200 OK");
      // Renegotiation: every handshake is a key exchange and a signature of the server's.
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> {
        s.startHandshake();
        String answer = statusLine(s);
        throw new AssertionError("served after a second handshake: " + answer);
      }).isInstanceOf(java.io.IOException.class);
    }
  }

  /** Sends {@code GET /healthz} on {@code s}; the answer's status line, or an IOException. */
  private static String statusLine(Socket s) throws java.io.IOException {
    OutputStream out = s.getOutputStream();
    out.write("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(UTF_8));
    out.flush();
    InputStream in = s.getInputStream();
    StringBuilder head = new StringBuilder();
    while (head.indexOf("\r\n\r\n") < 0) {
      int b = in.read();
      if (b < 0) {
        throw new java.io.EOFException("the server closed the connection");
      }
      head.append((char) b);
    }
    int length = head.toString().lines()
        .filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:"))
        .mapToInt(l -> Integer.parseInt(l.substring(l.indexOf(':') + 1).trim()))
        .findFirst().orElse(0);
    in.readNBytes(length);
    return head.substring(0, head.indexOf("\r\n"));
  }

  private byte[] firstRecord(byte[] hello) throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout((int) DEADLINE.toMillis());
      s.getOutputStream().write(hello);
      s.getOutputStream().flush();
      return s.getInputStream().readNBytes(7);
    }
  }

  /** A ClientHello offering at most {@code version}, with ECDHE-ECDSA/RSA AES-GCM suites. */
  private static byte[] clientHello(int version) {
    return clientHello(version, new byte[] {0, 6, (byte) 0xc0, 0x2b, (byte) 0xc0, 0x2f, 0, 0x2f},
        new byte[] {
            0, 0x0a, 0, 4, 0, 2, 0, 0x17, // supported_groups: secp256r1
            0, 0x0b, 0, 2, 1, 0, // ec_point_formats: uncompressed
            0, 0x0d, 0, 6, 0, 4, 4, 3, 8, 4}); // signature_algorithms: ecdsa_p256, pss_sha256
  }

  /** A TLS 1.3 ClientHello whose only key share is {@code x25519}'s {@code u}. */
  private static byte[] tls13ClientHello(byte[] u) {
    java.io.ByteArrayOutputStream extensions = new java.io.ByteArrayOutputStream();
    extensions.writeBytes(new byte[] {
        0, 0x2b, 0, 3, 2, 3, 4, // supported_versions: TLS 1.3
        0, 0x0a, 0, 4, 0, 2, 0, 0x1d, // supported_groups: x25519
        0, 0x0d, 0, 6, 0, 4, 4, 3, 8, 4, // signature_algorithms: ecdsa_p256, pss_sha256
        0, 0x33, 0, 38, 0, 36, 0, 0x1d, 0, 32}); // key_share: x25519, 32 bytes
    extensions.writeBytes(u);
    return clientHello(0x0303, new byte[] {0, 2, 0x13, 0x01}, extensions.toByteArray());
  }

  private static byte[] clientHello(int version, byte[] suites, byte[] extensions) {
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    body.write(version >> 8);
    body.write(version & 0xff);
    body.writeBytes(new byte[32]); // random
    body.write(0); // no session id
    body.writeBytes(suites);
    body.writeBytes(new byte[] {1, 0}); // no compression
    body.write(extensions.length >> 8);
    body.write(extensions.length & 0xff);
    body.writeBytes(extensions);
    byte[] b = body.toByteArray();
    java.io.ByteArrayOutputStream record = new java.io.ByteArrayOutputStream();
    record.writeBytes(new byte[] {0x16, 3, 1, (byte) ((b.length + 4) >> 8),
        (byte) (b.length + 4), 1, 0, (byte) (b.length >> 8), (byte) b.length});
    record.writeBytes(b);
    return record.toByteArray();
  }

  @Test
  void aRenewedCertificateIsServedWithoutARestart() throws Exception {
    assertThat(ca.servedSerial(server.port())).isEqualTo(first.serial());
    Issued renewed = ca.issue();
    ca.write(renewed, files.certificate(), files.key());
    long end = System.nanoTime() + DEADLINE.toNanos();
    BigInteger served = first.serial();
    while (!served.equals(renewed.serial()) && System.nanoTime() < end) {
      served = ca.servedSerial(server.port());
    }
    assertThat(served).isEqualTo(renewed.serial());
  }

  @Test
  void aBadPairOnTheFilesLeavesTheCurrentCertificateInService() throws Exception {
    CertificateReloader reloader = new CertificateReloader(files, Clock.systemUTC());
    Issued next = ca.issue();
    // Half a renewal: the new certificate beside the old key.
    TestCertificates.replace(files.certificate(), TestCertificates.pem(next.certificate()));
    reloader.reloadIfChanged();
    assertThat(reloader.certificate()).isEqualTo(first.certificate());
    // The renewal completes.
    ca.write(next, files.certificate(), files.key());
    reloader.reloadIfChanged();
    assertThat(reloader.certificate()).isEqualTo(next.certificate());
    Files.delete(files.key());
    reloader.reloadIfChanged();
    assertThat(reloader.certificate()).isEqualTo(next.certificate());
  }
}
