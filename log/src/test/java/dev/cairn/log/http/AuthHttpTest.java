package dev.cairn.log.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.cairn.log.auth.AuthSettings;
import dev.cairn.log.auth.TokenIssuerAccess;
import dev.cairn.log.LogConfig;
import dev.cairn.log.TransparencyLog;
import dev.cairn.log.sequencing.SequencerConfig;
import dev.cairn.log.testing.LogClient;
import dev.cairn.log.testing.TestClock;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Authentication over real HTTP: a log whose writes need a bearer JWT from an issuer whose JWKS
 * is served on loopback. Every refused request gets its status and reason, a line in the audit
 * log, and writes nothing; reads stay public.
 */
class AuthHttpTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  static TokenIssuerAccess issuer;
  static TransparencyLog log;
  static LogServer server;
  static WriteGuard guard;
  static LogClient client;
  static Path auditFile;
  /**
   * The guard's clock: each refusal is moved to a second of its own, as the audit log writes
   * the first refusal of an address, route and status in each second and counts the others.
   */
  static final TestClock clock = new TestClock(Instant.now());

  @BeforeAll
  static void start() throws Exception {
    issuer = new TokenIssuerAccess();
    log = TransparencyLog.open(new LogConfig(dir.resolve("data"), Optional.of("example.com/auth"),
        new SequencerConfig(Duration.ofMillis(5), 1024, 65_536), Duration.ofMillis(20),
        Clock.systemUTC()));
    auditFile = dir.resolve("audit.jsonl");
    guard = WriteGuard.jwt(AuthSettings.jwt(issuer.jwksUrl(), TokenIssuerAccess.ISSUER,
        TokenIssuerAccess.AUDIENCE), auditFile, clock);
    server = LogServer.start(log, HttpConfig.defaults("127.0.0.1", 0), guard);
    client = new LogClient(server.port());
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
    guard.close();
    log.close();
    issuer.close();
  }

  static JWTClaimsSet.Builder claims(String... roles) {
    return TokenIssuerAccess.claims(Instant.now(), roles);
  }

  static List<JsonNode> auditLines() throws Exception {
    return Files.readAllLines(auditFile, UTF_8).stream().map(l -> {
      try {
        return JSON.readTree(l);
      } catch (Exception e) {
        throw new AssertionError(l, e);
      }
    }).toList();
  }

  /** Posts with {@code authorization} and checks the refusal and its audit line. */
  static void assertRefused(String authorization, int status, String reason) throws Exception {
    clock.advance(Duration.ofSeconds(1));
    long size = log.sequencer().sequenced().size();
    int lines = auditLines().size();
    HttpResponse<byte[]> r = authorization == null
        ? client.post("/add", "refused".getBytes(UTF_8))
        : client.post("/add", "refused".getBytes(UTF_8), "Authorization", authorization);
    assertThat(r.statusCode()).as(new String(r.body(), UTF_8)).isEqualTo(status);
    assertThat(new String(r.body(), UTF_8)).contains(reason);
    if (status == 401) {
      assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue(
          "Bearer error=\"invalid_token\"");
    }
    List<JsonNode> audit = auditLines();
    assertThat(audit).hasSize(lines + 1);
    JsonNode line = audit.getLast();
    assertThat(line.get("decision").asText()).isEqualTo("deny");
    assertThat(line.get("status").asInt()).isEqualTo(status);
    assertThat(line.get("route").asText()).isEqualTo("POST /add");
    assertThat(line.get("role").asText()).isEqualTo("submitter");
    assertThat(line.get("reason").asText()).contains(reason);
    assertThat(line.get("address").asText()).isEqualTo("127.0.0.1");
    assertThat(line.get("request_id").asText())
        .isEqualTo(r.headers().firstValue("X-Request-Id").orElseThrow());
    assertThat(log.sequencer().sequenced().size()).as("nothing was written").isEqualTo(size);
    assertThat(log.sequencer().poolDepth()).isZero();
  }

  @Test
  void aSubmitterWritesAndTheDecisionIsRecorded() throws Exception {
    String token = issuer.ed25519(claims("submitter").build());
    HttpResponse<byte[]> r = client.post("/add", "allowed entry".getBytes(UTF_8),
        "Authorization", "Bearer " + token);
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode line = auditLines().getLast();
    assertThat(line.get("decision").asText()).isEqualTo("allow");
    assertThat(line.get("subject").asText()).isEqualTo("alice");
    assertThat(line.get("request_id").asText())
        .isEqualTo(r.headers().firstValue("X-Request-Id").orElseThrow());
    byte[] batch = {0, 1, 'x', 0, 1, 'y'};
    assertThat(client.post("/add-batch", batch, "Authorization", "Bearer " + token)
        .statusCode()).isEqualTo(200);
    assertThat(client.post("/add-batch", batch).statusCode()).isEqualTo(401);
  }

  @Test
  void readsStayPublic() {
    for (String path : List.of("/checkpoint", "/healthz", "/checkpoints", "/")) {
      assertThat(client.get(path).statusCode()).as(path).isEqualTo(200);
    }
  }

  @Test
  void theNegativeMatrix() throws Exception {
    Instant now = Instant.now();
    assertRefused(null, 401, "no credentials");
    assertRefused("Basic YWxpY2U6c2VjcmV0", 401, "not a bearer token");
    assertRefused("Bearer garbage", 401, "not a signed JWT");
    assertRefused("Bearer " + issuer.ed25519(claims("submitter")
        .expirationTime(Date.from(now.minusSeconds(120))).build()), 401, "the token expired");
    assertRefused("Bearer " + issuer.ed25519(claims("submitter")
        .notBeforeTime(Date.from(now.plusSeconds(120))).build()), 401, "not valid before");
    assertRefused("Bearer " + issuer.ed25519(claims("submitter").issuer("https://evil.example")
        .build()), 401, "issuer");
    assertRefused("Bearer " + issuer.ed25519(claims("submitter").audience("other").build()),
        401, "not for audience");
    assertRefused("Bearer " + issuer.ed25519(claims("auditor").build()), 403,
        "lacks the role submitter");
    assertRefused("Bearer " + issuer.ed25519(new JWSHeader.Builder(JWSAlgorithm.EdDSA).build(),
        claims("submitter").build()), 401, "names no key (kid)");
    assertRefused("Bearer " + issuer.ed25519(new JWSHeader.Builder(JWSAlgorithm.EdDSA)
        .keyID("ed-1").type(new com.nimbusds.jose.JOSEObjectType("dpop+jwt")).build(),
        claims("submitter").build()), 401, "type (typ) is \"dpop+jwt\"");
    assertRefused("Bearer " + TokenIssuerAccess.none(claims("submitter").build()), 401,
        "not a signed JWT");
    assertRefused("Bearer " + issuer.hs256WithPublicKey(claims("submitter").build()), 401,
        "algorithm HS256 is not allowed");
    assertRefused("Bearer " + "x".repeat(9000), 401, "longer than 8192 bytes");
  }

  @Test
  void anUnknownKeyIsRefusedUntilTheJwksHasItAndADownJwksFailsClosed() throws Exception {
    ECKey next = new ECKeyGenerator(Curve.P_256).keyID("rotated-in").generate();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("rotated-in")
        .build(), claims("submitter").build());
    jwt.sign(new ECDSASigner(next));
    assertRefused("Bearer " + jwt.serialize(), 401, "\"rotated-in\" is not in the JWKS");
    // The refresh an unknown key triggers is rate-limited (30 s), so a fresh guard sees the
    // rotation at once; this one refuses until then.
    issuer.publishWith(next);
    try (WriteGuard fresh = WriteGuard.jwt(AuthSettings.jwt(issuer.jwksUrl(),
        TokenIssuerAccess.ISSUER, TokenIssuerAccess.AUDIENCE), dir.resolve("audit-2.jsonl"),
        Clock.systemUTC()); LogServer second = LogServer.start(log,
        HttpConfig.defaults("127.0.0.1", 0), fresh)) {
      LogClient c = new LogClient(second.port());
      assertThat(c.post("/add", "rotated".getBytes(UTF_8), "Authorization",
          "Bearer " + jwt.serialize()).statusCode()).isEqualTo(200);
    }
    issuer.down(true);
    try (WriteGuard cold = WriteGuard.jwt(AuthSettings.jwt(issuer.jwksUrl(),
        TokenIssuerAccess.ISSUER, TokenIssuerAccess.AUDIENCE), dir.resolve("audit-3.jsonl"),
        Clock.systemUTC()); LogServer third = LogServer.start(log,
        HttpConfig.defaults("127.0.0.1", 0), cold)) {
      LogClient c = new LogClient(third.port());
      HttpResponse<byte[]> r = c.post("/add", "jwks down".getBytes(UTF_8), "Authorization",
          "Bearer " + issuer.ed25519(claims("submitter").build()));
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(new String(r.body(), UTF_8)).contains("cannot be loaded")
          .as("where the keys are is for the server's log").doesNotContain(issuer.jwksUrl())
          .doesNotContain("HTTP 503");
      assertThat(Files.readString(dir.resolve("audit-3.jsonl"))).contains("\"status\":503");
    } finally {
      issuer.down(false);
    }
  }

  /**
   * Unauthenticated writers that send their bodies slowly are refused before a byte of the body
   * is read, and what they send is dropped as it comes: none of it is held (no body is counted
   * in flight), and the log answers everyone else meanwhile.
   */
  @Test
  void slowUnauthenticatedBodiesAreRefusedAtOnceAndHoldNothing() throws Exception {
    List<java.net.Socket> slow = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 50; i++) {
        java.net.Socket s = new java.net.Socket("127.0.0.1", server.port());
        slow.add(s);
        s.setSoTimeout(20_000);
        s.getOutputStream().write(("POST /add-batch HTTP/1.1\r\nHost: x\r\nContent-Length: "
            + (1 << 20) + "\r\n\r\n" + "x".repeat(1000)).getBytes(UTF_8));
        // Answered now, though most of the body has yet to come.
        String status = new String(s.getInputStream().readNBytes(12), UTF_8);
        assertThat(status).isEqualTo("HTTP/1.1 401");
      }
      for (java.net.Socket s : slow) {
        s.getOutputStream().write(new byte[16 * 1024]);
      }
      assertThat(client.get("/healthz").statusCode()).isEqualTo(200);
      String metrics = new String(client.get("/metrics").body(), UTF_8);
      assertThat(metrics).contains("\ncairn_http_body_bytes_in_flight 0.0\n");
    } finally {
      for (java.net.Socket s : slow) {
        s.close();
      }
    }
  }
}
