package dev.cairn.witness;

import dev.cairn.log.http.Exchange;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The witness's Prometheus metrics: answers by route and status, how long cosigning takes
 * (checks, signing and the durable write), the size last cosigned for each log, and fork
 * evidence kept.
 */
public final class WitnessMetrics implements Exchange.Recorder {
  private static final double[] LATENCY_BUCKETS = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5};

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final Counter requests = Counter.builder().name("cairn_witness_requests_total")
      .help("HTTP requests by route and status code").labelNames("route", "code")
      .register(registry);
  private final Histogram requestSeconds = Histogram.builder()
      .name("cairn_witness_request_seconds").help("HTTP request latency by route")
      .labelNames("route").classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
  private final Histogram cosignSeconds = Histogram.builder()
      .name("cairn_witness_cosign_seconds")
      .help("Time to cosign a checkpoint under its log's lock: checks, both signatures and the"
          + " durable write of the new state")
      .classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
  private final Counter evidence = Counter.builder().name("cairn_witness_fork_evidence_total")
      .help("Checkpoints signed by a log that contradict what the witness cosigned for it"
          + " (kept under /evidence), by origin and kind").labelNames("origin", "kind")
      .register(registry);

  @Override
  public void request(String route, int code, long nanos) {
    requests.labelValues(route, Integer.toString(code)).inc();
    requestSeconds.labelValues(route).observe(nanos / 1e9);
  }

  void cosigned(long nanos) {
    cosignSeconds.observe(nanos / 1e9);
  }

  void evidence(String origin, String kind) {
    evidence.labelValues(origin, kind).inc();
  }

  /** Registers the gauge of the size last cosigned per origin, read when scraped. */
  void watchSizes(Supplier<Map<String, Long>> sizes) {
    GaugeWithCallback.builder().name("cairn_witness_cosigned_size")
        .help("Tree size of the latest checkpoint cosigned, by log origin")
        .labelNames("origin")
        .callback(cb -> sizes.get().forEach((o, s) -> cb.call(s, o))).register(registry);
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
