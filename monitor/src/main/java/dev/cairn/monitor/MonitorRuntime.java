package dev.cairn.monitor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.log.storage.embedded.DataDirLock;
import dev.cairn.log.tracing.Tracing;
import dev.cairn.monitor.alert.AlertOutbox;
import dev.cairn.monitor.alert.Channels;
import dev.cairn.monitor.alert.DeliveryListener;
import dev.cairn.monitor.check.JettyTransport;
import dev.cairn.monitor.check.Retrying;
import dev.cairn.monitor.check.StateStore;
import dev.cairn.monitor.config.MonitorConfig;
import dev.cairn.monitor.http.MonitorServer;
import dev.cairn.monitor.report.Finding;
import dev.cairn.monitor.report.Report;
import dev.cairn.monitor.report.ReportHtml;
import dev.cairn.monitor.report.ReportJson;
import dev.cairn.monitor.report.ReportStore;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A monitor with everything it runs on, from one {@link MonitorConfig}: its state directory
 * (locked: one monitor per directory), the report store, the ledger of open findings, the alert
 * outbox and its channels, metrics and spans. {@code cairn monitor run} runs it once; {@code
 * cairn monitor serve} schedules it and serves its API ({@link MonitorServer.Service}).
 *
 * <p>The state directory holds {@code reports/} (one JSON report and HTML page per run), {@code
 * logs/} (the checkpoint accepted for each log), {@code open-findings.json}, {@code alerts/} (the
 * alert journal) and {@code audit.jsonl} (the API's audit log).
 */
public final class MonitorRuntime implements MonitorServer.Service, AutoCloseable {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(MonitorRuntime.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** How long {@code monitor run} waits for its alerts to be delivered before exiting. */
  public static final Duration DRAIN = Duration.ofSeconds(60);

  private final MonitorConfig config;
  private final Clock clock;
  private final DataDirLock lock;
  private final ReportStore reports;
  private final FileLedger ledger;
  private final AlertOutbox outbox;
  private final Tracing tracing;
  private final MonitorMetrics metrics;
  private final HttpClient http;
  private final org.eclipse.jetty.client.HttpClient reads;
  private final Monitor monitor;
  private final StateStore states;
  private final AtomicReference<String> lastFailure = new AtomicReference<>();
  private volatile Scheduler scheduler;

  private MonitorRuntime(MonitorConfig config, Clock clock, DataDirLock lock, ReportStore reports,
      FileLedger ledger, AlertOutbox outbox, Tracing tracing, MonitorMetrics metrics,
      HttpClient http, org.eclipse.jetty.client.HttpClient reads, Monitor monitor,
      StateStore states) {
    this.config = config;
    this.clock = clock;
    this.lock = lock;
    this.reports = reports;
    this.ledger = ledger;
    this.outbox = outbox;
    this.tracing = tracing;
    this.metrics = metrics;
    this.http = http;
    this.reads = reads;
    this.monitor = monitor;
    this.states = states;
  }

  /** Opens the state directory of {@code config} and everything the monitor runs on. */
  public static MonitorRuntime open(MonitorConfig config, Clock clock) throws IOException {
    Files.createDirectories(config.stateDir());
    DataDirLock lock = DataDirLock.acquire(config.stateDir());
    List<AutoCloseable> opened = new ArrayList<>(List.of(lock));
    try {
      ReportStore reports = ReportStore.open(config.stateDir().resolve("reports"));
      FileLedger ledger = new FileLedger(config.stateDir());
      MonitorMetrics metrics = new MonitorMetrics();
      AlertOutbox outbox = AlertOutbox.builder(config.stateDir().resolve("alerts"),
          Channels.routes(config.channels(), config.delivery(), clock), config.delivery())
          .listener(new DeliveryListener() {
            @Override
            public void attempted(String channel, String outcome) {
              metrics.delivery(channel, outcome);
            }

            @Override
            public void breakerState(String channel, String state) {
              metrics.breaker("channel", channel, state);
            }

            @Override
            public void queued(String channel, int pending) {
              metrics.pending(channel, pending);
            }
          })
          // Delivery records are kept as long as reports (at least a day): a rerun of any run
          // still on record finds its alerts told.
          .retention(java.util.Collections.max(List.of(config.retention().maxAge(),
              Duration.ofDays(1))))
          .clock(clock).open();
      opened.add(outbox);
      Tracing tracing = Tracing.open("cairn-monitor", config.otlpEndpoint());
      opened.add(tracing);
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
          .followRedirects(HttpClient.Redirect.NEVER).build();
      opened.add(http);
      org.eclipse.jetty.client.HttpClient reads = JettyTransport.startClient();
      opened.add(reads::stop);
      Optional<Report> newest = reports.list(1).reports().stream().findFirst();
      newest.filter(r -> !r.configHash().equals(config.hash())).ifPresent(r -> LOG.warn(
          "the configuration changed since run {}: its SHA-256 was {}, now {}", r.runId(),
          r.configHash(), config.hash()));
      LOG.info("configuration SHA-256 {}", config.hash());
      Monitor monitor = Monitor.open(config, clock, new Monitor.Reports() {
        @Override
        public Optional<Report> read(String runId) throws IOException {
          return reports.read(runId);
        }

        @Override
        public void write(Report report) throws IOException {
          reports.write(report);
        }
      }, ledger, outbox::enqueue, metrics, tracing.tracer(),
          Monitor.httpReaders(Retrying.Policy.DEFAULT, reads),
          Monitor.httpWitnesses(http, Duration.ofSeconds(30)), newest);
      return new MonitorRuntime(config, clock, lock, reports, ledger, outbox, tracing, metrics,
          http, reads, monitor, StateStore.open(config.stateDir()));
    } catch (IOException | RuntimeException e) {
      for (AutoCloseable c : opened.reversed()) {
        try {
          c.close();
        } catch (Exception suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  /** The monitor. */
  public Monitor monitor() {
    return monitor;
  }

  /** The metrics. */
  public MonitorMetrics monitorMetrics() {
    return metrics;
  }

  /** The alert outbox. */
  public AlertOutbox outbox() {
    return outbox;
  }

  /**
   * Runs {@code runId} (or returns its report if it ran), then applies the retention to the
   * reports kept.
   */
  public Report run(String runId, List<Finding> extra) throws IOException {
    try {
      Report r = monitor.run(runId, extra);
      lastFailure.set(null);
      int removed = reports.retain(config.retention().maxAge(), config.retention().maxCount(),
          clock.instant());
      if (removed > 0) {
        LOG.info("retention removed {} reports", removed);
      }
      List<String> forgotten = states.prune(config.logs().stream()
          .map(MonitorConfig.LogTarget::name).collect(java.util.stream.Collectors.toSet()),
          clock.instant().minus(config.retention().maxAge()));
      if (!forgotten.isEmpty()) {
        LOG.info("retention removed the state of logs no longer configured: {}", forgotten);
      }
      return r;
    } catch (IOException | RuntimeException e) {
      lastFailure.set(e.getMessage());
      throw e;
    }
  }

  /** Schedules runs as the configuration says, the first at once. */
  public void schedule() {
    Scheduler s = new Scheduler(config.schedule().interval(), config.schedule().jitter(), clock,
        extra -> run(monitor.newRunId(), extra), metrics);
    scheduler = s;
    s.start();
  }

  @Override
  public byte[] reports(Optional<String> after, int limit) throws IOException {
    ReportStore.Page page = after.isPresent() ? reports.list(after.get(), limit)
        : reports.list(limit);
    ObjectNode o = JSON.createObjectNode();
    ArrayNode list = o.putArray("reports");
    for (Report r : page.reports()) {
      ObjectNode e = list.addObject().put("run_id", r.runId())
          .put("started", r.started().toString()).put("finished", r.finished().toString())
          .put("config_hash", r.configHash()).put("findings", r.findings().size())
          .put("resolved", r.resolved().size());
      r.worst().ifPresentOrElse(w -> e.put("worst", w.id()), () -> e.putNull("worst"));
      e.put("json", "/reports/" + r.runId()).put("html", "/reports/" + r.runId() + ".html");
    }
    page.next().ifPresentOrElse(n -> o.put("next", n), () -> o.putNull("next"));
    return (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public Optional<byte[]> report(String runId) throws IOException {
    return reports.read(runId).map(ReportJson::write);
  }

  @Override
  public Optional<byte[]> page(String runId) throws IOException {
    return reports.html(runId);
  }

  @Override
  public byte[] openFindings() throws IOException {
    Optional<Report> open = ledger.read();
    if (open.isEmpty()) {
      return ("{\"run_id\":null,\"findings\":[]}\n").getBytes(StandardCharsets.UTF_8);
    }
    return ReportJson.write(open.get());
  }

  @Override
  public String startRun(MonitorServer.RunRecorder record) throws IOException {
    String runId = monitor.newRunId();
    record.starting(runId);
    Thread.ofVirtual().name("cairn-monitor-run-" + runId).start(() -> {
      try {
        run(runId, List.of());
      } catch (IOException | RuntimeException e) {
        LOG.error("run {} (started through the API) failed", runId, e);
      }
    });
    return runId;
  }

  @Override
  public byte[] config() {
    return config.redacted().getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public List<String> notReady() {
    List<String> problems = new ArrayList<>();
    String failed = lastFailure.get();
    if (failed != null) {
      problems.add("the last run failed: " + failed);
    }
    return problems;
  }

  @Override
  public byte[] metrics() throws IOException {
    return metrics.scrape();
  }

  @Override
  public String metricsType() {
    return metrics.contentType();
  }

  /** Waits up to {@code timeout} for queued alerts to be delivered or given up. */
  public boolean drainAlerts(Duration timeout) throws InterruptedException {
    return outbox.drain(timeout);
  }

  @Override
  public void close() throws Exception {
    // Stop the audits first: a scheduled run under way then ends at once, recording nothing.
    monitor.close();
    Scheduler s = scheduler;
    if (s != null) {
      s.close();
    }
    if (!monitor.awaitIdle(Duration.ofMinutes(1))) {
      LOG.warn("a run is still ending after a minute; closing anyway");
    }
    outbox.close();
    tracing.close();
    http.close();
    reads.stop();
    lock.close();
  }
}
