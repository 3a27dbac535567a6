package dev.cairn.monitor.alert;

import dev.cairn.monitor.config.MonitorConfig.Delivery;
import dev.cairn.monitor.report.Evidence;
import dev.cairn.monitor.report.Finding;
import dev.cairn.monitor.report.Rule;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/** Alerts, delivery settings and a clock the tests set. */
final class TestAlerts {
  static final Instant T0 = Instant.parse("2025-03-01T12:00:00Z");

  private TestAlerts() {}

  /** An alert of a split-view finding about {@code subject} on log {@code example}. */
  static Alert alert(String subject, String event) {
    return alert(Rule.LOG_SPLIT_VIEW, subject, event);
  }

  static Alert alert(Rule rule, String subject, String event) {
    Finding f = Finding.of(rule, "example", subject,
        "log example served two checkpoints of size " + subject + " <&>", "root A",
        "root B", List.of(Evidence.note("checkpoint served by the log", "example.com/log\n12\n"
            + "AAAA\n\n— example.com/log sig\n"), Evidence.text("note", "second <b>")), T0);
    return new Alert(event, f.firstSeenAt(T0.minusSeconds(60)), "run-1");
  }

  /** {@code attempts} tries, no real backoff, breaker after {@code breaker} failures. */
  static Delivery delivery(int attempts, int breaker, Duration cooldown, Duration timeout) {
    return new Delivery(attempts, Duration.ofMillis(1), Duration.ofMillis(5), breaker, cooldown,
        timeout);
  }

  /** A clock the test moves. */
  static final class MutableClock extends Clock {
    private final AtomicReference<Instant> now = new AtomicReference<>(T0);

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Instant instant() {
      return now.get();
    }

    void advance(Duration d) {
      now.updateAndGet(t -> t.plus(d));
    }
  }
}
