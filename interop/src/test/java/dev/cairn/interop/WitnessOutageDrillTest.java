package dev.cairn.interop;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.log.LogConfig;
import dev.cairn.log.TransparencyLog;
import dev.cairn.note.VerifierKey;
import dev.cairn.policy.Policy;
import dev.cairn.verify.LogVerifier;
import dev.cairn.verify.VerifiedCheckpoint;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outage drill, all real processes on loopback: {@code cairn serve} with a 3-of-4 witness
 * policy and four {@code cairn witness serve}, each counting when both its Ed25519 and its
 * ML-DSA-44 cosignature verify.
 *
 * <ol>
 *   <li>one witness stopped with SIGSTOP: checkpoints keep being published, with 3;
 *   <li>two stopped: no new checkpoint — the old one is served, {@code /readyz} and the metrics
 *       name the stopped witnesses — while writes are still acknowledged;
 *   <li>SIGCONT: publishing resumes and covers every acknowledged entry, with the quorum.
 * </ol>
 */
class WitnessOutageDrillTest {
  private static final Path BUILD =
      Path.of(System.getProperty("cairn.interop.buildDirectory", "target")).toAbsolutePath();
  private static final String ORIGIN = "example.com/witnessed-drill";
  private static final Duration DEADLINE = Duration.ofSeconds(30);

  @TempDir Path tmp;
  private final List<ServerProcess> processes = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void stop() throws Exception {
    for (ServerProcess p : processes) {
      try {
        p.signal("CONT"); // a stopped process cannot die of SIGKILL until it runs again
      } finally {
        p.close(); // every one, even after a process that had already exited
      }
    }
  }

  @Test
  void oneWitnessDownKeepsPublishingTwoDownHoldsBackAndTheBacklogFollowsOnReturn()
      throws Exception {
    Path data = tmp.resolve("log");
    List<VerifierKey> logKeys;
    try (TransparencyLog log = TransparencyLog.open(new LogConfig(data, Optional.of(ORIGIN),
        dev.cairn.log.sequencing.SequencerConfig.DEFAULT, Duration.ofSeconds(1),
        java.time.Clock.systemUTC()))) {
      logKeys = log.keys().ring().signingOrder().stream().map(e -> e.key()).toList();
    }
    Path logsFile = tmp.resolve("logs");
    StringBuilder logLines = new StringBuilder();
    logKeys.forEach(k -> logLines.append("log ").append(k.encode()).append('\n'));
    Files.writeString(logsFile, logLines);

    List<ServerProcess> witnesses = WitnessProcesses.start(tmp, logsFile, 4,
        BUILD.resolve("drill-logs"), "outage-");
    processes.addAll(witnesses);
    assertThat(witnesses.stream().map(ServerProcess::base).distinct()).as("the witnesses' URLs")
        .hasSize(4);

    StringBuilder p = new StringBuilder(logLines)
        .append(WitnessProcesses.policyLines(tmp, witnesses));
    p.append("group three 3 w1 w2 w3 w4\nquorum three\n");
    Path policyFile = tmp.resolve("policy");
    Files.writeString(policyFile, p);
    Policy policy = Policy.parse(p.toString());
    LogVerifier verifier = LogVerifier.of(policy);

    ServerProcess logProcess = ServerProcess.start(data, BUILD.resolve("drill-logs")
        .resolve("outage-log.log"), List.of("--witness-policy", policyFile.toString(),
        "--checkpoint-interval", "500ms", "--witness-timeout", "500ms"));
    processes.add(logProcess);
    LogClient log = new LogClient(logProcess.base());

    // All four up.
    long last = addEntries(log, "all up", 5);
    VerifiedCheckpoint c = awaitCheckpointCovering(log, verifier, last);
    assertThat(c.witnesses()).hasSizeGreaterThanOrEqualTo(6); // 3 witnesses x 2 keys at least

    // One stopped: published with the other three.
    witnesses.get(3).signal("STOP");
    last = addEntries(log, "w4 stopped", 5);
    c = awaitCheckpointCovering(log, verifier, last);
    assertThat(c.witnesses()).containsExactlyInAnyOrder("w1-ed", "w1-pq", "w2-ed", "w2-pq",
        "w3-ed", "w3-pq");

    // Two stopped: acknowledged, but held back.
    witnesses.get(2).signal("STOP");
    byte[] held = log.checkpoint();
    long heldSize = LiveLog.size(held);
    last = addEntries(log, "w3 and w4 stopped", 5);
    poll("/readyz to name both stopped witnesses", () -> {
      HttpResponse<String> r = get(logProcess.base(), "readyz");
      return r.statusCode() == 503 && r.body().contains("w3-ed,w3-pq")
          && r.body().contains("w4-ed,w4-pq");
    });
    poll("a publication round to fail for w3", () -> metric(logProcess.base(),
        "cairn_witness_failures_total", "witness=\"w3-ed,w3-pq\"") > 0);
    poll("the quorum metric to say not met", () -> metric(logProcess.base(),
        "cairn_checkpoint_quorum_met", "") == 0);
    assertThat(log.checkpoint()).as("the checkpoint served while the quorum is missing")
        .isEqualTo(held);
    assertThat(heldSize).isLessThanOrEqualTo(last);

    // Both back: everything acknowledged is published with the quorum.
    witnesses.get(2).signal("CONT");
    witnesses.get(3).signal("CONT");
    c = awaitCheckpointCovering(log, verifier, last);
    assertThat(c.witnesses()).hasSizeGreaterThanOrEqualTo(6);
    poll("/readyz ready again", () -> get(logProcess.base(), "readyz").statusCode() == 200);
  }

  /** Adds {@code n} entries; returns the last index acknowledged. */
  private static long addEntries(LogClient log, String prefix, int n) throws Exception {
    long last = -1;
    for (int i = 0; i < n; i++) {
      last = log.add((prefix + " " + i).getBytes(UTF_8));
    }
    return last;
  }

  /** Polls /checkpoint until it covers {@code index}, and verifies it under the policy. */
  private static VerifiedCheckpoint awaitCheckpointCovering(LogClient log, LogVerifier verifier,
      long index) throws Exception {
    poll("a checkpoint covering index " + index, () -> {
      try {
        return LiveLog.size(log.checkpoint()) > index;
      } catch (IOException | InterruptedException e) {
        return false;
      }
    });
    return verifier.verifyCheckpoint(log.checkpoint());
  }

  private HttpResponse<String> get(URI base, String path) {
    try {
      return http.send(HttpRequest.newBuilder(base.resolve(path)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The sum of the samples of metric {@code name} whose labels contain {@code label}. */
  private double metric(URI base, String name, String label) {
    double sum = 0;
    for (String line : get(base, "metrics").body().split("\n")) {
      if ((line.startsWith(name + "{") || line.startsWith(name + " "))
          && line.contains(label)) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  /** Polls every 50 ms until {@code condition} holds, failing after {@link #DEADLINE}. */
  private static void poll(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + DEADLINE + " waiting for " + what);
      }
      LockSupport.parkNanos(50_000_000);
    }
  }
}
