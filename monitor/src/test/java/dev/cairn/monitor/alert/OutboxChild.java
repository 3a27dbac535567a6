package dev.cairn.monitor.alert;

import dev.cairn.monitor.report.Severity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.net.URI;

/**
 * The process {@link OutboxKillTest} kills: opens an outbox in {@code args[0]} with one webhook
 * to {@code args[1]}, enqueues {@code args[2]} alerts, and delivers until it is killed.
 */
public final class OutboxChild {
  private OutboxChild() {}

  /** Runs until killed. */
  public static void main(String[] args) throws Exception {
    AlertOutbox outbox = AlertOutbox.builder(Path.of(args[0]), List.of(route(URI.create(args[1]))),
        TestAlerts.delivery(1000, 1000, Duration.ofMinutes(1), Duration.ofMinutes(5))).open();
    outbox.enqueue(alerts(Integer.parseInt(args[2])));
    System.out.println("enqueued");
    System.out.flush();
    outbox.drain(Duration.ofHours(1));
  }

  static Route route(URI url) {
    return new Route(new WebhookChannel("hook", url, "secret".getBytes(StandardCharsets.UTF_8),
        Duration.ofMinutes(5), Clock.systemUTC()), Severity.INFO);
  }

  static List<Alert> alerts(int n) {
    List<Alert> alerts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      alerts.add(TestAlerts.alert(Integer.toString(i), "opened"));
    }
    return alerts;
  }
}
