package dev.cairn.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.monitor.alert.Alert;
import dev.cairn.monitor.check.Retrying;
import dev.cairn.monitor.config.MonitorConfig;
import dev.cairn.monitor.config.MonitorConfigFile;
import dev.cairn.monitor.report.Report;
import dev.cairn.monitor.testing.RogueLog;
import io.opentelemetry.api.OpenTelemetry;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Completing an existing report — rerunning its run ID, or opening the monitor with it as the
 * newest — after a later run was applied changes nothing: the finding the later run resolved is
 * neither opened again in the ledger nor told again.
 */
class MonitorRerunTest {
  @TempDir Path dir;
  private RogueLog log;
  private MonitorConfig config;
  private final Map<String, Report> reports = new ConcurrentHashMap<>();
  private final List<Alert> told = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws IOException {
    log = RogueLog.builder().origin("rerun.example/log").size(10).start();
    Path policy = dir.resolve("log.policy");
    Files.writeString(policy, log.policy("none"));
    Path yaml = dir.resolve("monitor.yaml");
    Files.writeString(yaml, "schema_version: 1\nstate_dir: state\nlogs:\n"
        + "  - { name: rogue, url: \"" + log.url() + "\", policy_file: log.policy,"
        + " max_checkpoint_age: 1h }\n");
    config = MonitorConfigFile.load(yaml, Map.of(), false);
  }

  @AfterEach
  void stop() {
    log.close();
    http.close();
  }

  @Test
  void rerunningAnOldRunAfterALaterOneResolvedItsFindingChangesNothing() throws IOException {
    FileLedger ledger = new FileLedger(config.stateDir());
    Report found;
    try (Monitor m = open(ledger, Optional.empty())) {
      log.badSignature();
      found = m.run("found", List.of());
      assertThat(found.findings()).singleElement().satisfies(f ->
          assertThat(f.rule().id()).isEqualTo("checkpoint.signature"));
      log.repair();
      Report repaired = m.run("repaired", List.of());
      assertThat(repaired.resolved()).containsExactly(found.findings().get(0).fingerprint());
      assertThat(told).extracting(Alert::event).containsExactly("opened", "resolved");
      told.clear();

      assertThat(m.run("found", List.of())).isEqualTo(found);
      assertThat(told).as("alerts from rerunning the old run").isEmpty();
      assertThat(m.openFindings()).as("open findings after rerunning the old run").isEmpty();
      assertThat(ledger.read().orElseThrow().runId()).isEqualTo("repaired");
    }
    // The monitor's newest report by start time need not be the last one applied (runs of
    // monitor serve overlap): opening with an older one does not apply it either.
    try (Monitor m = open(ledger, Optional.of(found))) {
      assertThat(told).as("alerts from opening with the old run as the newest").isEmpty();
      assertThat(m.openFindings()).isEmpty();
    }
  }

  private Monitor open(FileLedger ledger, Optional<Report> unfinished) throws IOException {
    return Monitor.open(config, Clock.systemUTC(), new Monitor.Reports() {
      @Override
      public Optional<Report> read(String runId) {
        return Optional.ofNullable(reports.get(runId));
      }

      @Override
      public void write(Report report) {
        reports.put(report.runId(), report);
      }
    }, ledger, told::addAll, new MonitorMetrics(),
        OpenTelemetry.noop().getTracer("test"), Monitor.httpReaders(Retrying.Policy.DEFAULT),
        Monitor.httpWitnesses(http, Duration.ofSeconds(5)), unfinished);
  }
}
