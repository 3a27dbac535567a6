package dev.cairn.log.http;

import static dev.cairn.log.testing.LogClient.assertError;
import static dev.cairn.log.testing.LogClient.text;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.log.LogConfig;
import dev.cairn.log.LogMetrics;
import dev.cairn.log.TransparencyLog;
import dev.cairn.log.publishing.CheckpointEndorser;
import dev.cairn.log.sequencing.SequencerConfig;
import dev.cairn.log.testing.LogClient;
import dev.cairn.log.testing.Poll;
import dev.cairn.note.SignedNote;
import dev.cairn.tile.Bundles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics the SLOs and their alerts are computed from, read from {@code GET /metrics} of a
 * real server on loopback over a data directory: checkpoint lag and its objective, pushback,
 * signing failures, free disk, and the JVM's and process's own.
 */
class OperationalMetricsHttpTest {
  @TempDir Path dir;
  private TransparencyLog log;
  private LogServer server;
  private LogClient client;

  /** Lets checkpoints through, or refuses them all (a witness quorum that is missing). */
  private static final class Gate implements CheckpointEndorser {
    final AtomicBoolean refuse = new AtomicBoolean();

    @Override
    public CompletableFuture<byte[]> endorse(Endorsement e) {
      return refuse.get()
          ? CompletableFuture.failedFuture(new java.io.IOException("held back by the test"))
          : CompletableFuture.completedFuture(e.signedNote());
    }

    @Override
    public Duration roundTime() {
      return Duration.ofSeconds(3);
    }
  }

  private void start(SequencerConfig sequencing, Duration interval, CheckpointEndorser endorser)
      throws Exception {
    log = TransparencyLog.open(new LogConfig(dir, Optional.of("example.com/metrics-test"),
        sequencing, interval, Clock.systemUTC()).withEndorser(endorser, Duration.ofSeconds(5)));
    server = LogServer.start(log, HttpConfig.defaults("127.0.0.1", 0));
    client = new LogClient(server.port());
  }

  @AfterEach
  void stop() throws Exception {
    if (log != null) {
      log.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private String scrape() {
    var r = client.get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    return text(r);
  }

  /** The value of the sample {@code name} with exactly {@code labels} (e.g. {@code {route="add"}}). */
  static Optional<Double> sample(String metrics, String nameAndLabels) {
    Matcher m = Pattern.compile("^" + Pattern.quote(nameAndLabels) + " (\\S+)$",
        Pattern.MULTILINE).matcher(metrics);
    return m.find() ? Optional.of(Double.parseDouble(m.group(1))) : Optional.empty();
  }

  private double value(String nameAndLabels) {
    String m = scrape();
    return sample(m, nameAndLabels).orElseThrow(
        () -> new AssertionError("no sample " + nameAndLabels + " in\n" + m));
  }

  @Test
  void lagGrowsWhilePublicationIsHeldBackAndIsZeroOnceACheckpointCoversEverything()
      throws Exception {
    Gate gate = new Gate();
    start(new SequencerConfig(Duration.ofMillis(5), 64, 1000), Duration.ofMillis(20), gate);
    // 2 x 20 ms + the endorser's 3 s round.
    assertThat(value("cairn_checkpoint_freshness_objective_seconds")).isEqualTo(3.04);
    assertThat(value("cairn_checkpoint_lag_seconds")).isZero();

    gate.refuse.set(true);
    assertThat(text(client.post("/add", "held back".getBytes(UTF_8)))).isEqualTo("0\n");
    Poll.until("the lag to pass 100 ms", Duration.ofSeconds(20),
        () -> value("cairn_checkpoint_lag_seconds") > 0.1);
    assertThat(value("cairn_checkpoint_size")).isZero();
    assertThat(value("cairn_tree_size")).isEqualTo(1);
    double before = value("cairn_checkpoint_lag_seconds");
    Poll.until("the lag to grow", Duration.ofSeconds(20),
        () -> value("cairn_checkpoint_lag_seconds") > before);

    gate.refuse.set(false);
    log.publisher().awaitSize(1).get(10, TimeUnit.SECONDS);
    assertThat(value("cairn_checkpoint_lag_seconds")).isZero();
  }

  @Test
  void withoutAnEndorserRoundTheObjectiveIsTwoIntervals() throws Exception {
    start(new SequencerConfig(Duration.ofMillis(5), 64, 1000), Duration.ofMillis(250),
        CheckpointEndorser.NONE);
    assertThat(value("cairn_checkpoint_freshness_objective_seconds")).isEqualTo(0.5);
  }

  @Test
  void pushbackIsCountedByRouteAndOtherErrorsAreNot() throws Exception {
    // As in PushbackHttpTest: batches of 2 once a minute, 2 waiting at most.
    start(new SequencerConfig(Duration.ofMinutes(1), 2, 2), Duration.ofMillis(20),
        CheckpointEndorser.NONE);
    assertThat(text(client.post("/add", "first".getBytes(UTF_8)))).isEqualTo("0\n");
    CompletableFuture<?> waiting = client.postAsync("/add", "waiting".getBytes(UTF_8));
    Poll.until("the second entry to be pooled", Duration.ofSeconds(10),
        () -> log.sequencer().poolDepth() == 1);
    byte[] two = Bundles.encode(List.of("x".getBytes(UTF_8), "y".getBytes(UTF_8)));
    assertError(client.post("/add-batch", two), 503);
    assertError(client.post("/add-batch", two), 503);
    assertError(client.get("/no/such/thing"), 404);
    assertError(client.post("/add", new byte[0]), 400);

    String m = scrape();
    assertThat(sample(m, "cairn_http_pushback_total{route=\"add-batch\"}")).contains(2.0);
    assertThat(sample(m, "cairn_http_requests_total{code=\"503\",route=\"add-batch\"}"))
        .contains(2.0);
    assertThat(m).doesNotContain("cairn_http_pushback_total{route=\"add\"}")
        .doesNotContain("cairn_http_pushback_total{route=\"other\"}");
    log.close();
    waiting.get(10, TimeUnit.SECONDS);
  }

  @Test
  void freeDiskJvmAndProcessMetricsAndNoSigningFailures() throws Exception {
    start(new SequencerConfig(Duration.ofMillis(5), 64, 1000), Duration.ofMillis(20),
        CheckpointEndorser.NONE);
    String m = scrape();
    double free = sample(m, "cairn_data_free_bytes").orElseThrow();
    long usable = Files.getFileStore(dir).getUsableSpace();
    // Other processes write to the same disk meanwhile: close, not equal.
    assertThat(free).isPositive().isBetween(usable * 0.9, usable * 1.1 + (64 << 20));
    assertThat(sample(m, "cairn_signing_failures_total")).contains(0.0);
    assertThat(m).contains("\njvm_memory_used_bytes{area=\"heap\"} ")
        .contains("\njvm_threads_current ")
        .contains("\njvm_gc_collection_seconds_count{")
        .contains("\nprocess_cpu_seconds_total ")
        .contains("\nprocess_start_time_seconds ")
        .contains("\nprocess_open_fds ");
    // One JVM registration however many logs the process opens: each family once.
    assertThat(m.lines().filter(l -> l.equals("# TYPE jvm_threads_current gauge"))).hasSize(1);
  }

  /**
   * The dedup index's memory against its budget, and its syncs: what on-call needs to see a
   * log outgrowing its memory, or an index whose syncs fail (a crash would re-index more).
   */
  @Test
  void theDedupIndexsMemoryAndSyncsAreExported() throws Exception {
    long opened = System.currentTimeMillis();
    start(new SequencerConfig(Duration.ofMillis(5), 64, 1000), Duration.ofMillis(20),
        CheckpointEndorser.NONE);
    String m = scrape();
    // The new index's tables (256 of 2 pages), which the log copies into memory once open.
    Poll.until("the tables copied", Duration.ofSeconds(10),
        () -> value("cairn_dedup_memory_bytes") == 256 * 8192);
    assertThat(sample(m, "cairn_dedup_unsynced_entries")).contains(0.0);
    assertThat(sample(m, "cairn_dedup_sync_failures_total")).contains(0.0);
    long memory = ((com.sun.management.OperatingSystemMXBean)
        java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
    assertThat(sample(m, "cairn_dedup_memory_budget_bytes")).as("half the machine's memory")
        .contains((double) (memory / 2));
    assertThat(sample(m, "cairn_dedup_synced_timestamp_seconds").orElseThrow())
        .isBetween(opened / 1000.0 - 1, System.currentTimeMillis() / 1000.0 + 1);

    for (int i = 0; i < 3; i++) {
      assertThat(text(client.post("/add", ("entry " + i).getBytes(UTF_8)))).isEqualTo(i + "\n");
    }
    // The first sync, at the open, covered nothing, and the next is 30 s away.
    Poll.until("the index to hold the 3 entries", Duration.ofSeconds(10),
        () -> value("cairn_dedup_unsynced_entries") == 3);
  }

  @Test
  void aSignerThatThrowsIsCounted() throws Exception {
    LogMetrics metrics = new LogMetrics();
    AtomicBoolean broken = new AtomicBoolean();
    Function<String, SignedNote> signer = metrics.countingFailures(text -> {
      if (broken.get()) {
        throw new java.security.ProviderException("CKR_DEVICE_REMOVED");
      }
      return null;
    });
    signer.apply("a");
    broken.set(true);
    for (int i = 0; i < 3; i++) {
      try {
        signer.apply("b");
        throw new AssertionError("the failure must reach the publisher");
      } catch (java.security.ProviderException expected) {
        // counted, then thrown on
      }
    }
    String m = new String(metrics.scrape(), UTF_8);
    assertThat(sample(m, "cairn_signing_failures_total")).contains(3.0);
  }
}
