package dev.cairn.monitor;

import dev.cairn.log.testing.TestClock;
import dev.cairn.log.tracing.Tracing;
import dev.cairn.monitor.alert.Alert;
import dev.cairn.monitor.check.Retrying;
import dev.cairn.monitor.config.MonitorConfig;
import dev.cairn.monitor.config.MonitorConfig.LogTarget;
import dev.cairn.monitor.report.Report;
import dev.cairn.monitor.report.ReportStore;
import dev.cairn.monitor.report.Severity;
import io.opentelemetry.api.trace.Tracer;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A monitor's surroundings for tests: a test clock, a real {@link ReportStore} and {@link
 * FileLedger} in a directory, alerts recorded in memory, HTTP readers with short retries.
 */
final class Monitors implements AutoCloseable {
  static final Instant START = Instant.parse("2025-06-01T12:00:00Z");

  final TestClock clock = new TestClock(START);
  final Path dir;
  final ReportStore store;
  final Recorded alerts = new Recorded();
  final MonitorMetrics metrics = new MonitorMetrics();
  final HttpClient http = HttpClient.newHttpClient();
  /** Fails the ledger's next writes while positive: a crash after the report was written. */
  final AtomicInteger failLedgerWrites = new AtomicInteger();
  Monitor.Readers readers = Monitor.httpReaders(new Retrying.Policy(2, Duration.ofMillis(1),
      Duration.ofMillis(2)));
  Tracer tracer = Tracing.open("cairn-monitor", Optional.empty()).tracer();

  Monitors(Path dir) throws IOException {
    this.dir = dir;
    this.store = ReportStore.open(dir.resolve("reports"));
  }

  /** Alerts as a durable queue sees them: every call, and each alert once by its ID. */
  static final class Recorded implements Monitor.Alerts {
    final List<List<Alert>> calls = new ArrayList<>();
    final Map<String, Alert> queued = new LinkedHashMap<>();

    @Override
    public synchronized void enqueue(List<Alert> alerts) {
      calls.add(List.copyOf(alerts));
      alerts.forEach(a -> queued.putIfAbsent(a.id(), a));
    }

    /** The queued alerts, each once, as {@code event rule}. */
    synchronized List<String> events() {
      return queued.values().stream().map(a -> a.event() + " " + a.finding().rule().id())
          .toList();
    }
  }

  MonitorConfig config(List<LogTarget> logs) {
    return new MonitorConfig(logs, new MonitorConfig.Schedule(Duration.ofHours(1), Duration.ZERO),
        dir.resolve("state"), new MonitorConfig.Retention(Duration.ofDays(30), 100), List.of(),
        new MonitorConfig.Delivery(3, Duration.ofSeconds(1), Duration.ofSeconds(10), 5,
            Duration.ofMinutes(1), Duration.ofSeconds(10)),
        new MonitorConfig.Auth(Optional.empty(), Optional.empty(), Optional.empty()),
        Severity.ERROR, "127.0.0.1:0", Optional.empty(), "ab".repeat(32), "{}");
  }

  Monitor open(List<LogTarget> logs) throws IOException {
    return open(logs, Optional.empty());
  }

  Monitor open(List<LogTarget> logs, Optional<Report> unfinished) throws IOException {
    return Monitor.open(config(logs), clock, reports(), ledger(), alerts, metrics, tracer,
        readers, Monitor.httpWitnesses(http, Duration.ofSeconds(10)), unfinished);
  }

  private Monitor.Reports reports() {
    return new Monitor.Reports() {
      @Override
      public Optional<Report> read(String runId) throws IOException {
        return store.read(runId);
      }

      @Override
      public void write(Report report) throws IOException {
        store.write(report);
      }
    };
  }

  private Monitor.Ledger ledger() throws IOException {
    FileLedger file = new FileLedger(dir.resolve("state"));
    return new Monitor.Ledger() {
      @Override
      public Optional<Report> read() throws IOException {
        return file.read();
      }

      @Override
      public void write(Report ledger) throws IOException {
        if (failLedgerWrites.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
          throw new IOException("the test crashes the monitor before the ledger is written");
        }
        file.write(ledger);
      }
    };
  }

  /** The ledger as a new monitor would read it from disk. */
  Optional<Report> ledgerOnDisk() throws IOException {
    return new FileLedger(dir.resolve("state")).read();
  }

  @Override
  public void close() {
    http.close();
  }
}
