package dev.cairn.log.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.log.auth.AuthSettings;
import dev.cairn.log.auth.TokenIssuerAccess;
import dev.cairn.log.TransparencyLog;
import dev.cairn.log.testing.LogClient;
import dev.cairn.log.testing.StoredLogs;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Token-bucket limits on writes: the arithmetic on a test clock, then 429s over real HTTP. */
class RateLimitTest {
  @TempDir Path dir;

  @Test
  void aBucketRefillsAtItsRateUpToItsBurst() {
    AtomicLong now = new AtomicLong();
    RateLimit limit = new RateLimit(10, 3, now::get, 100);
    assertThat(limit.take("a")).isZero();
    assertThat(limit.take("a")).isZero();
    assertThat(limit.take("a")).isZero();
    assertThat(limit.take("a")).as("the burst is spent; a token in 0.1 s")
        .isEqualTo(100_000_000L);
    assertThat(limit.take("b")).as("another key has its own bucket").isZero();
    now.addAndGet(50_000_000L);
    assertThat(limit.take("a")).isEqualTo(50_000_000L);
    now.addAndGet(50_000_000L);
    assertThat(limit.take("a")).isZero();
    now.addAndGet(10_000_000_000L);
    for (int i = 0; i < 3; i++) {
      assertThat(limit.take("a")).as("refilled to the burst, no further").isZero();
    }
    assertThat(limit.take("a")).isPositive();
  }

  @Test
  void fullBucketsAreForgottenWhenThereAreTooManyKeys() throws Exception {
    AtomicLong now = new AtomicLong();
    RateLimit limit = new RateLimit(1, 1, now::get, 10);
    for (int i = 0; i < 100; i++) {
      limit.take("client-" + i);
      now.addAndGet(2_000_000_000L);
    }
    java.lang.reflect.Field f = RateLimit.class.getDeclaredField("buckets");
    f.setAccessible(true);
    assertThat(((java.util.Map<?, ?>) f.get(limit)).size()).isLessThanOrEqualTo(11);
  }

  @Test
  void writesOverTheAddressAndSubjectLimitsGet429AndWriteNothing() throws Exception {
    try (TransparencyLog log = StoredLogs.open(dir.resolve("data"), "example.com/limits");
        TokenIssuerAccess issuer = new TokenIssuerAccess()) {
      WriteGuard byAddress = WriteGuard.open().withRateLimits(2, 0); // bursts of 4
      try (LogServer server = LogServer.start(log,
          HttpConfig.defaults("127.0.0.1", 0), byAddress)) {
        LogClient client = new LogClient(server.port());
        int ok = 0;
        HttpResponse<byte[]> refused = null;
        for (int i = 0; i < 10 && refused == null; i++) {
          HttpResponse<byte[]> r = client.post("/add", ("entry " + i).getBytes(UTF_8));
          if (r.statusCode() == 429) {
            refused = r;
          } else {
            assertThat(r.statusCode()).isEqualTo(200);
            ok++;
          }
        }
        assertThat(ok).isBetween(4, 5);
        assertThat(refused).isNotNull();
        assertThat(new String(refused.body(), UTF_8))
            .startsWith("too many writes from address 127.0.0.1; retry after 1 s");
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(log.sequencer().sequenced().size()).isEqualTo(ok);
        assertThat(client.get("/checkpoint").statusCode()).as("reads are not limited")
            .isEqualTo(200);
      }
      try (WriteGuard bySubject = WriteGuard.jwt(AuthSettings.jwt(issuer.jwksUrl(),
          TokenIssuerAccess.ISSUER, TokenIssuerAccess.AUDIENCE), dir.resolve("audit.jsonl"),
          Clock.systemUTC()).withRateLimits(0, 1); // bursts of 2
          LogServer server = LogServer.start(log, HttpConfig.defaults("127.0.0.1", 0),
              bySubject)) {
        LogClient client = new LogClient(server.port());
        String token = "Bearer " + issuer.ed25519(TokenIssuerAccess.claims(Instant.now(),
            "submitter").build());
        int status = 0;
        for (int i = 0; i < 5 && status != 429; i++) {
          status = client.post("/add", ("subject " + i).getBytes(UTF_8), "Authorization", token)
              .statusCode();
        }
        assertThat(status).isEqualTo(429);
        HttpResponse<byte[]> r = client.post("/add", "one more".getBytes(UTF_8),
            "Authorization", token);
        assertThat(new String(r.body(), UTF_8)).startsWith(
            "too many writes from subject \"alice\"");
        String last = java.nio.file.Files.readAllLines(dir.resolve("audit.jsonl")).getLast();
        assertThat(last).as("a refused write is audited as refused, once").contains(
            "\"decision\":\"deny\"", "\"status\":429", "too many writes from subject");
      }
    }
  }
}
