package dev.cairn.monitor;

import dev.cairn.log.http.Exchange;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The monitor's Prometheus metrics: runs and their duration, findings by rule and severity,
 * reads from logs and witnesses (latency, errors), alert deliveries by channel and outcome,
 * circuit-breaker states, the configuration's hash, and the API's requests.
 */
public final class MonitorMetrics implements Exchange.Recorder {
  private static final double[] READ_BUCKETS = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  private static final double[] RUN_BUCKETS = {
      0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600};

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final Counter runs = Counter.builder().name("cairn_monitor_runs_total")
      .help("Audit runs by outcome: ok (no finding at or above fail_on) or failed")
      .labelNames("outcome").register(registry);
  private final Histogram runSeconds = Histogram.builder().name("cairn_monitor_run_seconds")
      .help("How long an audit run of every log took").classicOnly()
      .classicUpperBounds(RUN_BUCKETS).register(registry);
  private final Gauge lastRun = Gauge.builder().name("cairn_monitor_last_run_timestamp_seconds")
      .help("When the last audit run finished (Unix time)").register(registry);
  private final Counter findings = Counter.builder().name("cairn_monitor_findings_total")
      .help("Findings reported by runs, by rule and severity (a finding open for several runs"
          + " counts once a run)").labelNames("rule", "severity").register(registry);
  private final Counter missed = Counter.builder().name("cairn_monitor_missed_runs_total")
      .help("Scheduled runs that did not happen on time (the host was suspended or the"
          + " previous run overran)").register(registry);
  private final Counter reads = Counter.builder().name("cairn_monitor_collector_reads_total")
      .help("Reads from logs and witnesses by log, kind (checkpoint, tile, bundle, witness)"
          + " and outcome (ok, error)").labelNames("log", "kind", "outcome").register(registry);
  private final Histogram readSeconds = Histogram.builder()
      .name("cairn_monitor_collector_read_seconds").help("Latency of one read from a log")
      .labelNames("log").classicOnly().classicUpperBounds(READ_BUCKETS).register(registry);
  private final Counter entries = Counter.builder().name("cairn_monitor_entries_replayed_total")
      .help("Entries fetched and replayed, by log").labelNames("log").register(registry);
  private final Counter deliveries = Counter.builder().name("cairn_monitor_alert_deliveries_total")
      .help("Alert delivery attempts by channel and outcome (delivered, failed, given_up)")
      .labelNames("channel", "outcome").register(registry);
  private final Gauge breakers = Gauge.builder().name("cairn_monitor_circuit_breaker_state")
      .help("Circuit breakers by kind (log, channel) and name: 0 closed, 1 half-open, 2 open")
      .labelNames("kind", "name").register(registry);
  private final Gauge pending = Gauge.builder().name("cairn_monitor_alerts_pending")
      .help("Alerts queued for a channel and not yet delivered or given up")
      .labelNames("channel").register(registry);
  private final Gauge configInfo = Gauge.builder().name("cairn_monitor_config_info")
      .help("The SHA-256 of the configuration in use (1 for the current hash)")
      .labelNames("hash").register(registry);
  private final Counter requests = Counter.builder().name("cairn_monitor_requests_total")
      .help("API requests by route and status code").labelNames("route", "code")
      .register(registry);
  private final AtomicReference<Supplier<Map<String, Map<String, Long>>>> open =
      new AtomicReference<>(Map::of);

  {
    GaugeWithCallback.builder().name("cairn_monitor_open_findings")
        .help("Findings open now, by rule and severity").labelNames("rule", "severity")
        .callback(cb -> open.get().get().forEach((rule, bySeverity) -> bySeverity.forEach(
            (severity, n) -> cb.call(n, rule, severity)))).register(registry);
  }

  @Override
  public void request(String route, int code, long nanos) {
    requests.labelValues(route, Integer.toString(code)).inc();
  }

  /** A run ended. */
  public void run(boolean ok, long nanos, long finishedEpochSecond) {
    runs.labelValues(ok ? "ok" : "failed").inc();
    runSeconds.observe(nanos / 1e9);
    lastRun.set(finishedEpochSecond);
  }

  /** A run reported a finding. */
  public void finding(String rule, String severity) {
    findings.labelValues(rule, severity).inc();
  }

  /** A scheduled run was missed. */
  public void missedRun() {
    missed.inc();
  }

  /** One read from a log or witness. */
  public void read(String log, String kind, long nanos, boolean ok) {
    reads.labelValues(log, kind, ok ? "ok" : "error").inc();
    readSeconds.labelValues(log).observe(nanos / 1e9);
  }

  /** Entries of {@code log} replayed. */
  public void replayed(String log, long n) {
    entries.labelValues(log).inc(n);
  }

  /** One alert delivery attempt. */
  public void delivery(String channel, String outcome) {
    deliveries.labelValues(channel, outcome).inc();
  }

  /** A circuit breaker's state: {@code closed}, {@code half_open} or {@code open}. */
  public void breaker(String kind, String name, String state) {
    breakers.labelValues(kind, name).set(switch (state) {
      case "open" -> 2;
      case "half_open", "half-open" -> 1;
      default -> 0;
    });
  }

  /** Alerts pending on a channel. */
  public void pending(String channel, int n) {
    pending.labelValues(channel).set(n);
  }

  /** The configuration in use now has {@code hash} (the previous one's series is removed). */
  public synchronized void config(String hash) {
    configInfo.clear();
    configInfo.labelValues(hash).set(1);
  }

  /**
   * Reads the gauge of open findings by rule and severity from {@code open} when scraped, in
   * place of the monitor watched before (a monitor opened again, for a new configuration, keeps
   * its metrics).
   */
  public void watchOpen(Supplier<Map<String, Map<String, Long>>> open) {
    this.open.set(open);
  }

  /** The Prometheus text format. */
  public String contentType() {
    return writer.getContentType();
  }

  /** The current values, in the text format. */
  public byte[] scrape() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writer.write(out, registry.scrape(), io.prometheus.metrics.config.EscapingScheme.ALLOW_UTF8);
    return out.toByteArray();
  }
}
