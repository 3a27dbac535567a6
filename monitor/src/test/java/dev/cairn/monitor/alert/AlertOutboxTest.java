package dev.cairn.monitor.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.monitor.alert.AlertOutbox.ChannelStatus;
import dev.cairn.monitor.config.MonitorConfig.Delivery;
import dev.cairn.monitor.report.Rule;
import dev.cairn.monitor.report.Severity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Delivery through the outbox to webhook receivers on loopback. */
class AlertOutboxTest {
  private static final byte[] SECRET = "secret".getBytes(StandardCharsets.UTF_8);
  private static final Duration MINUTE = Duration.ofMinutes(1);
  private static final Duration DRAIN = Duration.ofSeconds(20);

  @TempDir Path dir;
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose.reversed()) {
      c.close();
    }
  }

  private Receiver receiver(Receiver.Answer answer) throws IOException {
    Receiver r = new Receiver(answer);
    toClose.add(r);
    return r;
  }

  private static Route route(String name, Receiver r, Duration timeout) {
    return new Route(new WebhookChannel(name, r.uri("/" + name), SECRET, timeout,
        new TestAlerts.MutableClock()), Severity.INFO);
  }

  private AlertOutbox open(List<Route> routes, Delivery delivery) throws IOException {
    AlertOutbox o = AlertOutbox.builder(dir, routes, delivery).open();
    toClose.add(o);
    return o;
  }

  private static long countFor(Receiver r, String id) {
    return r.requests().stream().filter(q -> q.header("X-Cairn-Alert-Id").equals(id)).count();
  }

  private static ChannelStatus status(AlertOutbox o, String channel) {
    return o.status().stream().filter(s -> s.channel().equals(channel)).findFirst()
        .orElseThrow();
  }

  @Test
  void aFailedDeliveryIsRetriedAndDeliveredOnce() throws Exception {
    Receiver r = receiver((n, q) -> n == 1 ? 500 : 200);
    RecordingListener listener = new RecordingListener();
    AlertOutbox o = AlertOutbox.builder(dir, List.of(route("hook", r, MINUTE)),
        TestAlerts.delivery(5, 10, MINUTE, MINUTE)).listener(listener).open();
    toClose.add(o);
    Alert a = TestAlerts.alert("1", "opened");
    o.enqueue(List.of(a));
    assertThat(o.drain(DRAIN)).isTrue();
    assertThat(r.requests()).hasSize(2);
    assertThat(countFor(r, a.id())).isEqualTo(2);
    assertThat(listener.attempts).containsExactly("hook:failed", "hook:delivered");
    assertThat(o.status()).containsExactly(new ChannelStatus("hook", 0, 1, 0, "closed"));
  }

  @Test
  void theBreakerOpensAfterConsecutiveFailuresAndHalfOpensAfterTheCooldown() throws Exception {
    Receiver r = receiver((n, q) -> n <= 4 ? 500 : 200);
    TestAlerts.MutableClock clock = new TestAlerts.MutableClock();
    GateSleeper sleeper = new GateSleeper(clock);
    RecordingListener listener = new RecordingListener();
    Delivery delivery = new Delivery(10, Duration.ofSeconds(1), Duration.ofSeconds(8), 3, MINUTE,
        MINUTE);
    AlertOutbox o = AlertOutbox.builder(dir, List.of(route("hook", r, MINUTE)), delivery)
        .clock(clock).sleeper(sleeper).listener(listener)
        .random(RandomGenerator.of("L64X128MixRandom")).open();
    toClose.add(o);
    o.enqueue(List.of(TestAlerts.alert("1", "opened")));

    // Two failures: backoff (full jitter under 1 s, then 2 s), breaker still closed.
    assertThat(sleeper.next()).isBetween(Duration.ZERO, Duration.ofSeconds(1));
    assertThat(r.requests()).hasSize(1);
    sleeper.release();
    assertThat(sleeper.next()).isBetween(Duration.ZERO, Duration.ofSeconds(2));
    assertThat(r.requests()).hasSize(2);
    sleeper.release();

    // The third opens it: the worker waits out the cooldown, trying nothing meanwhile.
    assertThat(sleeper.next()).isEqualTo(MINUTE);
    assertThat(r.requests()).hasSize(3);
    assertThat(listener.states).containsExactly("hook:closed", "hook:open");
    assertThat(status(o, "hook").breaker()).isEqualTo("open");
    sleeper.release();

    // Half-open: one trial, which fails and opens it for another cooldown.
    assertThat(sleeper.next()).isEqualTo(MINUTE);
    assertThat(r.requests()).hasSize(4);
    assertThat(listener.states).containsExactly("hook:closed", "hook:open", "hook:half_open",
        "hook:open");
    sleeper.release();

    // The next trial succeeds and closes it.
    assertThat(o.drain(DRAIN)).isTrue();
    assertThat(r.requests()).hasSize(5);
    assertThat(listener.states).containsExactly("hook:closed", "hook:open", "hook:half_open",
        "hook:open", "hook:half_open", "hook:closed");
    assertThat(listener.attempts).containsExactly("hook:failed", "hook:failed", "hook:failed",
        "hook:failed", "hook:delivered");
  }

  @Test
  void aHungAndAFailingChannelDoNotHoldUpAHealthyOne() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Receiver hung = receiver((n, q) -> {
      release.await();
      return 200;
    });
    Receiver failing = receiver((n, q) -> 500);
    Receiver healthy = receiver((n, q) -> 200);
    try {
      AlertOutbox o = open(List.of(route("hung", hung, Duration.ofMinutes(5)),
          route("failing", failing, MINUTE), route("healthy", healthy, MINUTE)),
          // The breaker stays closed, so each alert is given up after its 3 attempts.
          TestAlerts.delivery(3, 100, Duration.ofMillis(1), MINUTE));
      List<Alert> alerts = List.of(TestAlerts.alert("1", "opened"),
          TestAlerts.alert("2", "opened"));
      o.enqueue(alerts);
      // Both reach the healthy receiver while the hung one holds its first request.
      healthy.awaitRequests(2);
      hung.await(() -> status(o, "healthy").delivered() == 2);
      assertThat(status(o, "healthy").pending()).isZero();
      assertThat(status(o, "hung").pending()).isEqualTo(2);
      assertThat(hung.requests()).hasSize(1);
      assertThat(release.getCount()).isEqualTo(1);
      // And another enqueue is not held up either.
      o.enqueue(List.of(TestAlerts.alert("3", "opened")));
      healthy.awaitRequests(3);

      release.countDown();
      assertThat(o.drain(DRAIN)).isTrue();
      assertThat(status(o, "hung").delivered()).isEqualTo(3);
      assertThat(status(o, "failing").failed()).isEqualTo(3);
      assertThat(failing.requests()).hasSize(9);
    } finally {
      release.countDown();
    }
  }

  @Test
  void pendingAlertsSurviveARestartAndDeliveredOnesAreNotSentAgain() throws Exception {
    Receiver r = receiver((n, q) -> 200);
    Delivery delivery = TestAlerts.delivery(1000, 1000, MINUTE, MINUTE);
    Alert a = TestAlerts.alert("1", "opened");
    Alert b = TestAlerts.alert("2", "opened");
    Alert c = TestAlerts.alert("3", "opened");
    try (AlertOutbox first = AlertOutbox.builder(dir, List.of(route("hook", r, MINUTE)),
        delivery).open()) {
      first.enqueue(List.of(a));
      assertThat(first.drain(DRAIN)).isTrue();
      r.answer((n, q) -> 503);
      first.enqueue(List.of(b, c));
      r.awaitRequests(3); // b is being retried
      assertThatThrownBy(() -> AlertOutbox.builder(dir, List.of(), delivery).open())
          .as("one outbox per directory").isInstanceOf(IOException.class)
          .hasMessageContaining("in use");
    }
    r.answer((n, q) -> 200);
    AlertOutbox second = open(List.of(route("hook", r, MINUTE)), delivery);
    assertThat(second.drain(DRAIN)).isTrue();
    second.enqueue(List.of(a, b, c, a));
    assertThat(second.drain(DRAIN)).isTrue();
    assertThat(countFor(r, a.id())).isEqualTo(1);
    assertThat(r.requests().getLast().header("X-Cairn-Alert-Id")).isEqualTo(c.id());
    assertThat(second.status()).containsExactly(new ChannelStatus("hook", 0, 3, 0, "closed"));
  }

  @Test
  void theSameAlertTwiceIsDeliveredOnceAndAReopenedFindingIsToldAgain() throws Exception {
    Receiver r = receiver((n, q) -> 200);
    AlertOutbox o = open(List.of(route("hook", r, MINUTE)),
        TestAlerts.delivery(3, 3, MINUTE, MINUTE));
    Alert opened = TestAlerts.alert("1", "opened");
    o.enqueue(List.of(opened, opened));
    o.enqueue(List.of(opened));
    assertThat(o.drain(DRAIN)).isTrue();
    o.enqueue(List.of(opened)); // a rerun of the run
    assertThat(o.drain(DRAIN)).isTrue();
    assertThat(r.requests()).hasSize(1);

    o.enqueue(List.of(TestAlerts.alert("1", "resolved")));
    o.enqueue(List.of(opened));
    assertThat(o.drain(DRAIN)).isTrue();
    assertThat(r.requests()).extracting(q -> q.header("X-Cairn-Alert-Id"))
        .containsExactly(opened.id(), TestAlerts.alert("1", "resolved").id(), opened.id());
  }

  @Test
  void aChannelIsSentOnlyAlertsAtLeastItsMinimumSeverity() throws Exception {
    Receiver all = receiver((n, q) -> 200);
    Receiver critical = receiver((n, q) -> 200);
    Route onlyCritical = new Route(route("critical", critical, MINUTE).channel(),
        Severity.CRITICAL);
    AlertOutbox o = open(List.of(route("all", all, MINUTE), onlyCritical),
        TestAlerts.delivery(3, 3, MINUTE, MINUTE));
    Alert info = TestAlerts.alert(Rule.ENTRY_WATCH_MATCH, "7", "opened");
    Alert bad = TestAlerts.alert(Rule.LOG_CONSISTENCY, "7", "opened");
    o.enqueue(List.of(info, bad));
    assertThat(o.drain(DRAIN)).isTrue();
    assertThat(all.requests()).hasSize(2);
    assertThat(critical.requests()).extracting(q -> q.header("X-Cairn-Alert-Id"))
        .containsExactly(bad.id());
  }

  @Test
  void anOutageLongerThanTheAttemptsLosesNoAlert() throws Exception {
    // Down for 6 requests; 3 attempts; the breaker opens after 2 failures. Only the attempts
    // with the breaker closed count: the half-open trials probe an outage, they are not tries.
    Receiver r = receiver((n, q) -> n <= 6 ? 500 : 200);
    TestAlerts.MutableClock clock = new TestAlerts.MutableClock();
    GateSleeper sleeper = new GateSleeper(clock);
    RecordingListener listener = new RecordingListener();
    Delivery delivery = new Delivery(3, Duration.ofSeconds(1), Duration.ofSeconds(8), 2, MINUTE,
        MINUTE);
    AlertOutbox o = AlertOutbox.builder(dir, List.of(route("hook", r, MINUTE)), delivery)
        .clock(clock).sleeper(sleeper).listener(listener)
        .random(RandomGenerator.of("L64X128MixRandom")).open();
    toClose.add(o);
    o.enqueue(List.of(TestAlerts.alert("1", "opened")));
    // One backoff after the first failure, then a cooldown after each of five failures.
    for (int i = 0; i < 6; i++) {
      sleeper.next();
      sleeper.release();
    }
    assertThat(o.drain(DRAIN)).isTrue();
    assertThat(r.requests()).hasSize(7);
    assertThat(listener.attempts).doesNotContain("hook:given_up").last()
        .isEqualTo("hook:delivered");
    assertThat(status(o, "hook").delivered()).isEqualTo(1);
  }

  @Test
  void anAlertIsGivenUpAfterItsAttemptsAndKeptAsFailed() throws Exception {
    Receiver r = receiver((n, q) -> 500);
    RecordingListener listener = new RecordingListener();
    AlertOutbox o = AlertOutbox.builder(dir, List.of(route("hook", r, MINUTE)),
        TestAlerts.delivery(2, 10, MINUTE, MINUTE)).listener(listener).open();
    toClose.add(o);
    Alert a = TestAlerts.alert("1", "opened");
    o.enqueue(List.of(a));
    assertThat(o.drain(DRAIN)).isTrue();
    assertThat(listener.attempts).containsExactly("hook:failed", "hook:given_up");
    assertThat(o.status()).containsExactly(new ChannelStatus("hook", 0, 0, 1, "closed"));
    o.enqueue(List.of(a)); // a rerun does not try again
    assertThat(o.drain(DRAIN)).isTrue();
    assertThat(r.requests()).hasSize(2);
  }

  @Test
  void deliveredRecordsOlderThanTheRetentionArePrunedOnOpen() throws Exception {
    Receiver r = receiver((n, q) -> 200);
    TestAlerts.MutableClock clock = new TestAlerts.MutableClock();
    Delivery delivery = TestAlerts.delivery(3, 3, MINUTE, MINUTE);
    try (AlertOutbox o = AlertOutbox.builder(dir, List.of(route("hook", r, MINUTE)), delivery)
        .clock(clock).retention(Duration.ofDays(30)).open()) {
      o.enqueue(List.of(TestAlerts.alert("1", "opened")));
      assertThat(o.drain(DRAIN)).isTrue();
    }
    clock.advance(Duration.ofDays(29));
    try (AlertOutbox o = AlertOutbox.builder(dir, List.of(route("hook", r, MINUTE)), delivery)
        .clock(clock).retention(Duration.ofDays(30)).open()) {
      assertThat(o.status().getFirst().delivered()).isEqualTo(1);
    }
    clock.advance(Duration.ofDays(2));
    try (AlertOutbox o = AlertOutbox.builder(dir, List.of(route("hook", r, MINUTE)), delivery)
        .clock(clock).retention(Duration.ofDays(30)).open()) {
      assertThat(o.status().getFirst().delivered()).isZero();
    }
  }
}
