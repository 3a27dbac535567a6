package dev.cairn.cli;

import static dev.cairn.cli.KeyCommandsTest.cairn;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import dev.cairn.log.keys.HsmSettings;
import dev.cairn.log.keys.KeyRing;
import dev.cairn.log.testing.SoftHsm;
import dev.cairn.log.testing.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code cairn serve} with authentication: the prod profile's refusals, each naming the missing
 * setting, and a prod log that starts when all are given and then refuses writes without a
 * token.
 */
class ServeAuthTest {
  @TempDir Path dir;

  @Test
  void prodRefusesToStartNamingEachMissingSetting() throws Exception {
    Path data = dir.resolve("data");
    KeyCommandsTest.Result r = cairn("serve", "--profile", "prod", "--data", data.toString());
    assertThat(r.code()).isEqualTo(CliException.USAGE);
    assertThat(r.err()).contains("the prod profile refuses to start:",
        "authentication is off: set --auth-jwks", "no token issuer: set --auth-issuer",
        "no token audience: set --auth-audience", "set --allow-file-keys");
    assertThat(r.err()).doesNotContain("without TLS");
    assertThat(data).as("nothing is created").doesNotExist();

    KeyCommandsTest.Result publicListen = cairn("serve", "--profile", "prod", "--data",
        data.toString(), "--listen", "0.0.0.0:8080", "--auth-jwks", "jwks.json",
        "--auth-issuer", "https://issuer.example", "--auth-audience", "log",
        "--allow-file-keys");
    assertThat(publicListen.code()).isEqualTo(CliException.USAGE);
    assertThat(publicListen.err()).contains("listening on 0.0.0.0 without TLS")
        .doesNotContain("authentication is off");

    KeyCommandsTest.Result plainHttp = cairn("serve", "--profile", "prod", "--data",
        data.toString(), "--auth-jwks", "http://idp.example/jwks.json", "--auth-issuer",
        "https://issuer.example", "--auth-audience", "log", "--allow-file-keys");
    assertThat(plainHttp.code()).isEqualTo(CliException.USAGE);
    assertThat(plainHttp.err()).contains("the JWKS is fetched over plain http");

    KeyCommandsTest.Result half = cairn("serve", "--data", data.toString(), "--auth-jwks",
        "jwks.json");
    assertThat(half.code()).isEqualTo(CliException.USAGE);
    assertThat(half.err()).contains("needs --auth-issuer --auth-audience");
    assertThat(cairn("serve", "--profile", "staging").err()).contains("expected dev or prod");

    KeyCommandsTest.Result certOnly = cairn("serve", "--data", data.toString(), "--tls-cert",
        "cert.pem");
    assertThat(certOnly.code()).isEqualTo(CliException.USAGE);
    assertThat(certOnly.err()).contains("needs tls_key (--tls-key)");
    Path missing = dir.resolve("missing.pem");
    KeyCommandsTest.Result noCert = cairn("serve", "--data", data.toString(), "--tls-cert",
        missing.toString(), "--tls-key", missing.toString());
    assertThat(noCert.code()).isEqualTo(CliException.USAGE);
    assertThat(noCert.err()).contains("couldn't use the TLS certificate: the TLS certificate"
        + " file " + missing + " does not exist");
    KeyCommandsTest.Result hsmHalf = cairn("serve", "--data", data.toString(),
        "--pkcs11-token", "t");
    assertThat(hsmHalf.code()).isEqualTo(CliException.USAGE);
    assertThat(hsmHalf.err()).contains("pkcs11_token", "needs pkcs11_library (--pkcs11-library)");

    // A token, but no key on it for the new log's first key: that would be a file key.
    HsmSettings token = SoftHsm.shared().settings(dir, java.util.Optional.empty());
    KeyCommandsTest.Result noHsmKey = cairn("serve", "--profile", "prod", "--data",
        data.toString(), "--auth-jwks", "jwks.json", "--auth-issuer", "https://issuer.example",
        "--auth-audience", "log", "--pkcs11-library", token.library().toString(),
        "--pkcs11-token", token.tokenLabel(), "--pkcs11-pin-file", token.pinFile().toString());
    assertThat(noHsmKey.code()).isEqualTo(CliException.USAGE);
    assertThat(noHsmKey.err()).contains("the prod profile refuses to start:",
        "for a new log, would be) development key files", "--pkcs11-key")
        .doesNotContain("authentication is off", "issuer", "audience");

    // Secrets in files that group or others may read.
    Path openPin = dir.resolve("open.pin");
    Files.writeString(openPin, SoftHsm.PIN + "\n");
    Files.setPosixFilePermissions(openPin, PosixFilePermissions.fromString("rw-r--r--"));
    TestCertificates ca = new TestCertificates();
    Path cert = dir.resolve("cert.pem");
    Path tlsKey = dir.resolve("key.pem");
    ca.write(ca.issue(), cert, tlsKey);
    Files.setPosixFilePermissions(tlsKey, PosixFilePermissions.fromString("rw-r-----"));
    // And a JWKS file that others may write: they could add a key and mint tokens.
    Path openJwks = dir.resolve("open-jwks.json");
    Files.writeString(openJwks, "{\"keys\":[]}");
    Files.setPosixFilePermissions(openJwks, PosixFilePermissions.fromString("rw-rw-r--"));
    KeyCommandsTest.Result shared = cairn("serve", "--profile", "prod", "--data",
        data.toString(), "--auth-jwks", openJwks.toString(),
        "--auth-issuer", "https://issuer.example",
        "--auth-audience", "log", "--pkcs11-library", token.library().toString(),
        "--pkcs11-token", token.tokenLabel(), "--pkcs11-pin-file", openPin.toString(),
        "--pkcs11-key", "k", "--tls-cert", cert.toString(), "--tls-key", tlsKey.toString());
    assertThat(shared.code()).isEqualTo(CliException.USAGE);
    assertThat(shared.err()).contains("the prod profile refuses to start:",
        "pkcs11_pin_file " + openPin + " is open to group or others (rw-r--r--)",
        "tls_key " + tlsKey + " is open to group or others (rw-r-----)", "chmod 600",
        "auth_jwks " + openJwks + " is open to group or others (rw-rw-r--)", "chmod 644")
        .doesNotContain("development key files");
    assertThat(data).as("nothing is created").doesNotExist();
  }

  /**
   * The production setup: HTTPS on every address, the checkpoint key on a (SoftHSM2) token,
   * tokens from a JWKS, no development key file allowed.
   */
  @Test
  void aProdLogWithEverySettingStartsAndChecksWrites() throws Exception {
    SoftHsm hsm = SoftHsm.shared();
    String label = "prod-" + System.nanoTime();
    hsm.generateEd25519(label);
    HsmSettings token = hsm.settings(dir, java.util.Optional.of(label));
    TestCertificates ca = new TestCertificates();
    Path cert = dir.resolve("cert.pem");
    Path tlsKey = dir.resolve("key.pem");
    ca.write(ca.issue(), cert, tlsKey);
    ECKey key = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
    Path jwks = dir.resolve("jwks.json");
    Files.writeString(jwks, new JWKSet(key.toPublicJWK()).toString());
    Path data = dir.resolve("data");
    Path audit = dir.resolve("audit.jsonl");
    ServeCommand serve = new ServeCommand();
    CommandLine cl = new CommandLine(serve);
    java.io.StringWriter banner = new java.io.StringWriter();
    cl.setOut(new java.io.PrintWriter(banner, true));
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String base = "https://127.0.0.1:" + port;
    List<String> prod = List.of("--profile", "prod", "--data", data.toString(), "--listen",
        "0.0.0.0:" + port, "--auth-jwks", jwks.toString(), "--auth-issuer",
        "https://issuer.example", "--auth-audience", "example.com/log", "--audit-log",
        audit.toString(), "--origin", "example.com/log", "--tls-cert", cert.toString(),
        "--tls-key", tlsKey.toString(), "--pkcs11-library", token.library().toString(),
        "--pkcs11-token", token.tokenLabel(), "--pkcs11-pin-file", token.pinFile().toString());
    CompletableFuture<Integer> running = CompletableFuture.supplyAsync(() -> cl.execute(
        java.util.stream.Stream.concat(prod.stream(), java.util.stream.Stream.of(
            "--pkcs11-key", label)).toArray(String[]::new)));
    HttpClient http = HttpClient.newBuilder().sslContext(ca.clientContext()).build();
    try {
      int anonymous = post(http, base, null);
      assertThat(anonymous).isEqualTo(401);
      assertThat(post(http, base, "Bearer " + token(key, "ci", "submitter"))).isEqualTo(200);
      assertThat(banner.toString()).contains("writes need a bearer JWT with the role submitter",
          "at https://0.0.0.0:" + port);
      KeyRing.Entry signing = KeyRing.parse(Files.readAllBytes(data.resolve(KeyRing.FILE)))
          .keys().get(0);
      assertThat(signing.pkcs11Label()).isEqualTo(label);
      assertThat(banner.toString()).contains(signing.vkey());
      assertThat(Files.readAllLines(audit)).hasSize(2)
          .anySatisfy(l -> assertThat(l).contains("\"decision\":\"deny\""))
          .anySatisfy(l -> assertThat(l).contains("\"decision\":\"allow\"", "\"subject\":\"ci\""));

      // No rotation over the admin routes leaves a development key file signing.
      HttpResponse<String> rotate = http.send(HttpRequest.newBuilder(
          URI.create(base + "/admin/keys/rotate")).header("Authorization", "Bearer "
          + token(key, "ops", "admin")).POST(HttpRequest.BodyPublishers.ofString(
          "{\"type\":\"ed25519\"}")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(rotate.statusCode()).as(rotate.body()).isEqualTo(409);
      assertThat(rotate.body()).contains("refused by the key policy", "--allow-file-keys");
      assertThat(KeyRing.parse(Files.readAllBytes(data.resolve(KeyRing.FILE))).keys())
          .hasSize(2);
    } finally {
      serve.stop.countDown();
    }
    assertThat(running.get()).isZero();

    // pkcs11_key names a new log's first key: on this log another label would be ignored.
    List<String> restart = new java.util.ArrayList<>(List.of("serve"));
    restart.addAll(prod);
    restart.addAll(List.of("--pkcs11-key", "not-this-logs-key"));
    KeyCommandsTest.Result other = cairn(restart.toArray(String[]::new));
    assertThat(other.code()).isEqualTo(CliException.USAGE);
    assertThat(other.err()).contains("the prod profile refuses to start:",
        "\"not-this-logs-key\" names the first key of a new log, but this log exists",
        "cairn key rotate --pkcs11-label not-this-logs-key");
  }

  /** An ES256 token from the test's issuer for {@code subject} with {@code role}. */
  private static String token(ECKey key, String subject, String role) throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("k1")
        .build(), new JWTClaimsSet.Builder().issuer("https://issuer.example")
        .audience("example.com/log").subject(subject).expirationTime(
            Date.from(Instant.now().plusSeconds(300))).claim("roles", List.of(role)).build());
    jwt.sign(new ECDSASigner(key));
    return jwt.serialize();
  }

  /** Posts an entry once the server is up; returns the status. */
  private static int post(HttpClient http, String base, String authorization) throws Exception {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (true) {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/add"))
          .POST(HttpRequest.BodyPublishers.ofString("entry"));
      if (authorization != null) {
        b.header("Authorization", authorization);
      }
      try {
        return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
      }
    }
  }
}
