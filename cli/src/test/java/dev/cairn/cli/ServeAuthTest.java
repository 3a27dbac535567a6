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
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
  void prodRefusesToStartNamingEachMissingSetting() {
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
  }

  @Test
  void aProdLogWithEverySettingStartsAndChecksWrites() throws Exception {
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
    String base = "http://127.0.0.1:" + port;
    CompletableFuture<Integer> running = CompletableFuture.supplyAsync(() -> cl.execute(
        "--profile", "prod", "--data", data.toString(), "--listen", "127.0.0.1:" + port,
        "--auth-jwks", jwks.toString(), "--auth-issuer", "https://issuer.example",
        "--auth-audience", "example.com/log", "--allow-file-keys", "--audit-log",
        audit.toString(), "--origin", "example.com/log"));
    HttpClient http = HttpClient.newHttpClient();
    try {
      int anonymous = post(http, base, null);
      assertThat(anonymous).isEqualTo(401);
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("k1")
          .build(), new JWTClaimsSet.Builder().issuer("https://issuer.example")
          .audience("example.com/log").subject("ci").expirationTime(
              Date.from(Instant.now().plusSeconds(300))).claim("roles", List.of("submitter"))
          .build());
      jwt.sign(new ECDSASigner(key));
      assertThat(post(http, base, "Bearer " + jwt.serialize())).isEqualTo(200);
      assertThat(banner.toString()).contains("writes need a bearer JWT with the role submitter");
      assertThat(Files.readAllLines(audit)).hasSize(2)
          .anySatisfy(l -> assertThat(l).contains("\"decision\":\"deny\""))
          .anySatisfy(l -> assertThat(l).contains("\"decision\":\"allow\"", "\"subject\":\"ci\""));
    } finally {
      serve.stop.countDown();
    }
    assertThat(running.get()).isZero();
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
