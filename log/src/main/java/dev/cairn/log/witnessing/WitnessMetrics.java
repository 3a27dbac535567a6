package dev.cairn.log.witnessing;

import dev.cairn.log.LogMetrics;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A witness quorum's metrics, named like the log's: {@code cairn_witness_request_seconds
 * {witness}}, {@code cairn_witness_failures_total{witness,kind}} (each failed try, a 409 that was
 * then caught up included), {@code cairn_witness_cosigned_size{witness}}, {@code
 * cairn_checkpoint_quorum_met} and {@code cairn_witness_fail_open_publications_total}. The
 * {@code witness} label is the policy names of the witnesses behind one URL, comma-separated.
 */
final class WitnessMetrics {
  private static final double[] BUCKETS = {
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  private final Histogram seconds = Histogram.builder().name("cairn_witness_request_seconds")
      .help("Time for a witness to answer one add-checkpoint request, by witness")
      .labelNames("witness").classicOnly().classicUpperBounds(BUCKETS).build();
  private final Counter failures = Counter.builder().name("cairn_witness_failures")
      .help("Failed add-checkpoint tries by witness and kind (timeout, connect, conflict,"
          + " beyond_log, rate_limited, http_status, bad_response, bad_cosignature, proof)")
      .labelNames("witness", "kind").build();
  private final Counter failOpen = Counter.builder()
      .name("cairn_witness_fail_open_publications")
      .help("Checkpoints published without the witness quorum (--witness-fail-open, unsafe)")
      .build();

  void latency(String witness, long nanos) {
    seconds.labelValues(witness).observe(nanos / 1e9);
  }

  void failed(String witness, FailureKind kind) {
    failures.labelValues(witness, kind.label()).inc();
  }

  void publishedFailOpen() {
    failOpen.inc();
  }

  private final GaugeWithCallback cosigned;
  private final GaugeWithCallback quorum;

  /** Metrics whose gauges read {@code endpoints} and {@code quorumMet} when scraped. */
  WitnessMetrics(Supplier<List<WitnessEndpoint>> endpoints, BooleanSupplier quorumMet) {
    cosigned = GaugeWithCallback.builder().name("cairn_witness_cosigned_size")
        .help("Tree size of the latest checkpoint each witness cosigned (-1 until known)")
        .labelNames("witness")
        .callback(cb -> endpoints.get().forEach(w -> cb.call(w.cosignedSize(), w.label())))
        .build();
    quorum = GaugeWithCallback.builder().name("cairn_checkpoint_quorum_met")
        .help("1 if the latest checkpoint endorsement met the witness quorum, 0 if not")
        .callback(cb -> cb.call(quorumMet.getAsBoolean() ? 1 : 0)).build();
  }

  /** Registers these with a log's metrics (again for each log opened with this quorum). */
  void registerWith(LogMetrics metrics) {
    metrics.register(seconds);
    metrics.register(failures);
    metrics.register(failOpen);
    metrics.register(cosigned);
    metrics.register(quorum);
  }
}
