package dev.cairn.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.log.tracing.Tracing;
import dev.cairn.monitor.alert.Alert;
import dev.cairn.monitor.check.Retrying;
import dev.cairn.monitor.config.MonitorConfig;
import dev.cairn.monitor.report.Golden;
import dev.cairn.monitor.report.Report;
import dev.cairn.monitor.report.ReportJson;
import dev.cairn.monitor.report.ReportStore;
import dev.cairn.monitor.report.Severity;
import dev.cairn.monitor.testing.RogueLog;
import dev.cairn.policy.Policy;
import dev.cairn.read.HttpLogReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fixed inputs give byte-identical reports: a log built from a seed, a fixed clock and fixed
 * run IDs, audited twice from scratch into two state directories; the second run's report (a
 * witness that stopped cosigning, and watch matches) equals the golden file byte for byte. The log is a real server
 * on loopback; only its address, which changes from run to run, is hidden behind the configured
 * URLs.
 */
class MonitorGoldenTest {
  private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");
  private static final String HASH = "ab".repeat(32);

  @TempDir Path dir;

  @Test
  void aRunOfFixedInputsGivesTheGoldenReport() throws Exception {
    byte[] first = audit(dir.resolve("a"));
    byte[] second = audit(dir.resolve("b"));
    assertThat(second).isEqualTo(first);
    assertThat(new String(first, java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(new String(Golden.of("monitor-run.golden.json", first),
            java.nio.charset.StandardCharsets.UTF_8));
  }

  /** Two runs of a fresh monitor on a fresh log; the second's report, as JSON. */
  private byte[] audit(Path state) throws Exception {
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    try (RogueLog log = RogueLog.builder().seed(7).witnesses("w1", "w2").clock(clock).size(1000)
        .start(); HttpClient http = HttpClient.newHttpClient()) {
      Map<URI, URI> witnesses = new LinkedHashMap<>();
      witnesses.put(URI.create("https://w1.example/"), log.witnessUrl("w1"));
      witnesses.put(URI.create("https://w2.example/"), log.witnessUrl("w2"));
      MonitorConfig.LogTarget target = new MonitorConfig.LogTarget("rogue",
          URI.create("https://rogue.example/log/"), Policy.parse(log.policy("w1")),
          Duration.ofHours(1), Map.of("w1", URI.create("https://w1.example/"), "w2",
              URI.create("https://w2.example/")), 0,
          List.of(new MonitorConfig.WatchRule("late-entries", Optional.empty(),
              Optional.of(Pattern.compile("^entry 100[0-9]$")), Optional.empty())),
          Duration.ofHours(1));
      MonitorConfig config = new MonitorConfig(List.of(target),
          new MonitorConfig.Schedule(Duration.ofMinutes(5), Duration.ZERO), state,
          new MonitorConfig.Retention(Duration.ofDays(30), 100), List.of(),
          new MonitorConfig.Delivery(3, Duration.ofMillis(10), Duration.ofMillis(100), 5,
              Duration.ofMinutes(1), Duration.ofSeconds(5)),
          new MonitorConfig.Auth(Optional.empty(), Optional.empty(), Optional.empty()),
          Severity.ERROR, "127.0.0.1:0", Optional.empty(), HASH, "{}");
      ReportStore reports = ReportStore.open(state.resolve("reports"));
      List<Alert> alerts = new ArrayList<>();
      LogAuditWitnesses real = new LogAuditWitnesses(Monitor.httpWitnesses(http,
          Duration.ofSeconds(10)), witnesses);
      try (Monitor m = Monitor.open(config, clock, new Monitor.Reports() {
        @Override
        public Optional<Report> read(String runId) throws java.io.IOException {
          return reports.read(runId);
        }

        @Override
        public void write(Report report) throws java.io.IOException {
          reports.write(report);
        }
      }, new FileLedger(state), alerts::addAll, new MonitorMetrics(),
          Tracing.open("cairn-monitor", Optional.empty()).tracer(),
          (t, listener) -> new Retrying(HttpLogReader.builder(log.url()).build(),
              Retrying.Policy.DEFAULT, listener),
          real, Optional.empty())) {
        Report healthy = m.run("golden-1", List.of());
        assertThat(healthy.findings()).isEmpty();
        log.cosigners("w1");
        log.grow(10);
        Report r = m.run("golden-2", List.of());
        assertThat(r.findings()).extracting(f -> f.rule().id())
            .contains("witness.stale", "entry.watch_match");
        assertThat(alerts).hasSize(r.findings().size());
        return ReportJson.write(r);
      }
    }
  }

  /** Reads a witness at its real address in place of the configured one. */
  private record LogAuditWitnesses(dev.cairn.monitor.check.LogAudit.WitnessReader inner,
      Map<URI, URI> real) implements dev.cairn.monitor.check.LogAudit.WitnessReader {
    @Override
    public Optional<byte[]> latest(URI prefix, String origin) throws java.io.IOException {
      return inner.latest(real.get(prefix), origin);
    }
  }
}
