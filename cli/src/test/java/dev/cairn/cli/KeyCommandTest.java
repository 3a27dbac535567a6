package dev.cairn.cli;

import static dev.cairn.cli.KeyCommandsTest.cairn;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.cairn.log.auth.AuthSettings;
import dev.cairn.log.http.HttpConfig;
import dev.cairn.log.http.LogServer;
import dev.cairn.log.http.WriteGuard;
import dev.cairn.log.LogConfig;
import dev.cairn.log.TransparencyLog;
import dev.cairn.note.VerifierKey;
import dev.cairn.log.keys.KeyRing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cairn key list|rotate|retire} against a real log server with JWT authentication:
 * the admin token works, a submitter's is refused, and an admin token is never sent in the
 * clear to another machine.
 */
class KeyCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ISSUER = "https://issuer.example";
  private static final String AUDIENCE = "example.com/keys";
  @TempDir Path dir;
  ECKey signing;
  TransparencyLog log;
  WriteGuard guard;
  LogServer server;
  String url;

  @BeforeEach
  void start() throws Exception {
    signing = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
    Path jwks = dir.resolve("jwks.json");
    Files.writeString(jwks, new JWKSet(signing.toPublicJWK()).toString());
    log = TransparencyLog.open(LogConfig.defaults(dir.resolve("data")));
    guard = WriteGuard.jwt(AuthSettings.jwt(jwks.toString(), ISSUER, AUDIENCE),
        dir.resolve("audit.jsonl"), Clock.systemUTC());
    server = LogServer.start(log, HttpConfig.defaults("127.0.0.1", 0), guard);
    url = "http://127.0.0.1:" + server.port();
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    guard.close();
    log.close();
  }

  private Path tokenFile(String name, String role) throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("k1").build(),
        new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE).subject(name)
            .expirationTime(Date.from(Instant.now().plusSeconds(300)))
            .claim("roles", List.of(role)).build());
    jwt.sign(new ECDSASigner(signing));
    Path file = dir.resolve(name + ".jwt");
    Files.writeString(file, jwt.serialize() + "\n");
    return file;
  }

  private List<VerifierKey> active() {
    return log.keys().ring().active().stream().map(KeyRing.Entry::key).toList();
  }

  @Test
  void anAdminRotatesAndRetiresKeysFromTheCommandLine() throws Exception {
    String admin = tokenFile("ops", "admin").toString();
    VerifierKey old = log.keys().verifierKeyList().get(0);

    KeyCommandsTest.Result list = cairn("key", "--url", url, "--token-file", admin, "list");
    assertThat(list.code()).as(list.err()).isZero();
    assertThat(KeyRing.parse(list.out().getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .isEqualTo(log.keys().ring());

    KeyCommandsTest.Result rotate = cairn("key", "--url", url, "--token-file", admin,
        "rotate");
    assertThat(rotate.code()).as(rotate.err()).isZero();
    JsonNode added = JSON.readTree(rotate.out());
    VerifierKey fresh = VerifierKey.parse(added.get("vkey").asText());
    assertThat(active()).contains(old, fresh);

    // No checkpoint signed by the new key yet (an idle log): retiring the old one now would
    // leave clients of the new log.vkey with a latest checkpoint they cannot verify.
    KeyCommandsTest.Result early = cairn("key", "--url", url, "--token-file", admin,
        "retire", "--key-id", String.format("%08x", old.keyId()));
    assertThat(early.code()).isNotZero();
    assertThat(early.err()).contains("409", "no signature by another active classical key",
        "force");
    assertThat(active()).contains(old, fresh);
    log.sequencer().add("signed by the new key".getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .get();
    log.publisher().publish();

    KeyCommandsTest.Result retire = cairn("key", "--url", url, "--token-file", admin,
        "retire", "--key-id", String.format("%08x", old.keyId()));
    assertThat(retire.code()).as(retire.err()).isZero();
    assertThat(active()).contains(fresh).doesNotContain(old);
    assertThat(log.keys().verifierKeyList()).as("retired, still in the ring").contains(old);

    // A compromised key goes at once, published successor or not.
    KeyCommandsTest.Result third = cairn("key", "--url", url, "--token-file", admin, "rotate");
    assertThat(third.code()).as(third.err()).isZero();
    KeyCommandsTest.Result forced = cairn("key", "--url", url, "--token-file", admin,
        "retire", "--key-id", String.format("%08x", fresh.keyId()), "--force");
    assertThat(forced.code()).as(forced.err()).isZero();
    assertThat(active()).doesNotContain(old, fresh);

    KeyCommandsTest.Result submitter = cairn("key", "--url", url, "--token-file",
        tokenFile("writer", "submitter").toString(), "rotate");
    assertThat(submitter.code()).isEqualTo(CliException.USAGE);
    assertThat(submitter.err()).contains("answered 403");
    assertThat(log.keys().ring().keys()).hasSize(4);
  }

  @Test
  void anAdminTokenIsNeverSentInTheClearToAnotherMachine() throws Exception {
    String admin = tokenFile("ops", "admin").toString();
    KeyRing before = log.keys().ring();
    // 192.0.2.1 (TEST-NET-1) is never reached: the command refuses before connecting.
    KeyCommandsTest.Result remote = cairn("key", "--url", "http://192.0.2.1:8080",
        "--token-file", admin, "rotate");
    assertThat(remote.code()).isEqualTo(CliException.USAGE);
    assertThat(remote.err()).contains("plain http to another machine", "use https://");
    KeyCommandsTest.Result named = cairn("key", "--url", "http://log.example", "--token-file",
        admin, "list");
    assertThat(named.code()).isEqualTo(CliException.USAGE);
    assertThat(named.err()).contains("plain http to another machine");

    KeyCommandsTest.Result caOnHttp = cairn("key", "--url", url, "--token-file", admin,
        "--ca-cert", dir.resolve("ca.pem").toString(), "list");
    assertThat(caOnHttp.code()).isEqualTo(CliException.USAGE);
    assertThat(caOnHttp.err()).contains("--ca-cert is for an https --url");

    KeyCommandsTest.Result v6 = cairn("key", "--url", "http://[::1]:" + server.port(),
        "--token-file", admin, "list");
    assertThat(v6.err()).doesNotContain("plain http to another machine");
    assertThat(log.keys().ring()).isEqualTo(before);
  }
}
