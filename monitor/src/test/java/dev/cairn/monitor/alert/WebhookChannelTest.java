package dev.cairn.monitor.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.monitor.report.Rule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The webhook's request, signature and errors, against a receiver on loopback. */
class WebhookChannelTest {
  private static final byte[] SECRET = "s3cr3t-hmac-key-0123456789".getBytes(
      StandardCharsets.UTF_8);

  @Test
  void postsTheAlertAsSignedJsonInAStableFieldOrder() throws Exception {
    TestAlerts.MutableClock clock = new TestAlerts.MutableClock();
    Alert alert = TestAlerts.alert("12", "opened");
    try (Receiver receiver = Receiver.ok();
        WebhookChannel channel = new WebhookChannel("hook", receiver.uri("/hook?token=abc"),
            SECRET, Duration.ofSeconds(5), clock)) {
      channel.deliver(alert);
      Receiver.Request r = receiver.requests().get(0);
      assertThat(r.header("Content-Type")).isEqualTo("application/json");
      assertThat(r.header("X-Cairn-Alert-Id")).isEqualTo(alert.id());
      assertThat(r.header("X-Cairn-Timestamp")).isEqualTo(
          Long.toString(TestAlerts.T0.getEpochSecond()));
      assertThat(WebhookSignature.verify(SECRET, r.header("X-Cairn-Timestamp"),
          r.header("X-Cairn-Signature"), r.body(), TestAlerts.T0, Duration.ofMinutes(5)))
          .isTrue();

      JsonNode body = AlertJson.MAPPER.readTree(r.body());
      List<String> fields = new ArrayList<>();
      body.fieldNames().forEachRemaining(fields::add);
      assertThat(fields).containsExactly("id", "event", "rule", "severity", "log", "summary",
          "fingerprint", "run_id", "observed", "expected", "first_seen", "last_seen", "evidence",
          "consequence", "remediation");
      assertThat(body.get("id").textValue()).isEqualTo(alert.id());
      assertThat(body.get("event").textValue()).isEqualTo("opened");
      assertThat(body.get("rule").textValue()).isEqualTo("log.split_view");
      assertThat(body.get("severity").textValue()).isEqualTo("critical");
      assertThat(body.get("log").textValue()).isEqualTo("example");
      assertThat(body.get("run_id").textValue()).isEqualTo("run-1");
      assertThat(body.get("fingerprint").textValue()).isEqualTo(alert.finding().fingerprint());
      assertThat(body.get("first_seen").textValue()).isEqualTo("2025-03-01T11:59:00Z");
      assertThat(body.get("last_seen").textValue()).isEqualTo("2025-03-01T12:00:00Z");
      assertThat(body.get("evidence").get(0).get("kind").textValue()).isEqualTo("note");
      assertThat(body.get("evidence").get(0).get("content").textValue())
          .isEqualTo(alert.finding().evidence().get(0).content());
      assertThat(body.get("consequence").textValue())
          .isEqualTo(Rule.LOG_SPLIT_VIEW.consequence());
      assertThat(body.get("remediation").textValue())
          .isEqualTo(Rule.LOG_SPLIT_VIEW.remediation());
      // The JSON form is the whole alert: it reads back as the same alert.
      assertThat(AlertJson.decode(body)).isEqualTo(alert);
    }
  }

  @Test
  void aSignatureVerifiesOnlyForItsSecretBodyAndARecentTimestamp() {
    byte[] body = "{\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8);
    long t = 1_740_000_000L;
    Instant now = Instant.ofEpochSecond(t + 10);
    Duration tolerance = Duration.ofMinutes(5);
    String sig = WebhookSignature.sign(SECRET, t, body);
    assertThat(sig).matches("sha256=[0-9a-f]{64}");
    assertThat(WebhookSignature.verify(SECRET, Long.toString(t), sig, body, now, tolerance))
        .isTrue();

    byte[] tampered = body.clone();
    tampered[2] ^= 1;
    assertThat(WebhookSignature.verify(SECRET, Long.toString(t), sig, tampered, now, tolerance))
        .as("body changed").isFalse();
    assertThat(WebhookSignature.verify("other".getBytes(StandardCharsets.UTF_8),
        Long.toString(t), sig, body, now, tolerance)).as("other secret").isFalse();
    assertThat(WebhookSignature.verify(SECRET, Long.toString(t + 1), sig, body, now, tolerance))
        .as("timestamp changed").isFalse();
    assertThat(WebhookSignature.verify(SECRET, Long.toString(t), sig, body,
        now.plus(Duration.ofMinutes(6)), tolerance)).as("too old: a replay").isFalse();
    for (String bad : List.of(sig.toUpperCase(), sig.substring(7), "sha1=" + sig.substring(7),
        sig + "0", "")) {
      assertThat(WebhookSignature.verify(SECRET, Long.toString(t), bad, body, now, tolerance))
          .as(bad).isFalse();
    }
    for (String bad : List.of("", "-1", "+" + t, "0" + t, t + ".0", "99999999999999999999")) {
      assertThat(WebhookSignature.verify(SECRET, bad, sig, body, now, tolerance)).as(bad)
          .isFalse();
    }
  }

  @Test
  void aRefusalNamesTheStatusAndUrlButNeverTheSecretOrQuery() throws Exception {
    try (Receiver receiver = new Receiver((n, r) -> 500);
        WebhookChannel channel = new WebhookChannel("hook", receiver.uri("/hook?token=abc"),
            SECRET, Duration.ofSeconds(5), new TestAlerts.MutableClock())) {
      assertThatThrownBy(() -> channel.deliver(TestAlerts.alert("1", "opened")))
          .isInstanceOf(IOException.class)
          .hasMessage("POST " + receiver.uri("/hook") + " answered 500: nope: status 500")
          .hasMessageNotContaining(new String(SECRET, StandardCharsets.UTF_8))
          .hasMessageNotContaining("token=abc");
      receiver.answer((n, r) -> 302);
      assertThatThrownBy(() -> channel.deliver(TestAlerts.alert("1", "opened")))
          .as("a redirect is not followed").hasMessageContaining("answered 302");
    }
  }

  @Test
  void noAnswerWithinTheTimeoutIsAFailure() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (Receiver receiver = new Receiver((n, r) -> {
          release.await();
          return 200;
        });
        WebhookChannel channel = new WebhookChannel("hook", receiver.uri("/hook"), SECRET,
            Duration.ofMillis(300), new TestAlerts.MutableClock())) {
      assertThatThrownBy(() -> channel.deliver(TestAlerts.alert("1", "opened")))
          .isInstanceOf(IOException.class)
          .hasMessage("POST " + receiver.uri("/hook") + ": no answer within 300 ms");
    } finally {
      release.countDown();
    }
  }

  @Test
  void noServerIsAFailureNamingTheUrl() throws Exception {
    java.net.URI gone;
    try (Receiver receiver = Receiver.ok()) {
      gone = receiver.uri("/hook");
    }
    try (WebhookChannel channel = new WebhookChannel("hook", gone, SECRET, Duration.ofSeconds(5),
        new TestAlerts.MutableClock())) {
      assertThatThrownBy(() -> channel.deliver(TestAlerts.alert("1", "opened")))
          .isInstanceOf(IOException.class).hasMessageStartingWith("POST " + gone + " failed: ");
    }
  }
}
