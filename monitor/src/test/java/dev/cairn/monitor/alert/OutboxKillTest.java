package dev.cairn.monitor.alert;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code kill -9} of a process delivering alerts: after reopening, every alert reaches
 * the receiver, exactly once by its alert ID, and nothing recorded delivered is sent again.
 */
class OutboxKillTest {
  private static final int ALERTS = 8;

  @TempDir Path dir;

  @Test
  void afterKillMinus9EveryAlertArrivesOnceByIdAndNothingRecordedIsResent() throws Exception {
    CountDownLatch held = new CountDownLatch(1);
    // Two answered at once, the third held until the sender is dead, then all answered.
    try (Receiver r = new Receiver((n, q) -> {
      if (n == 3) {
        held.await();
      }
      return 200;
    })) {
      Path state = dir.resolve("alerts");
      Path log = dir.resolve("child.log");
      Process child = new ProcessBuilder(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), OutboxChild.class.getName(),
          state.toString(), r.uri("/hook").toString(), Integer.toString(ALERTS))
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      try {
        r.await(() -> r.requests().size() >= 3 || !child.isAlive(), Duration.ofSeconds(120));
        assertThat(child.isAlive()).as("the child runs: %s", read(log)).isTrue();
        child.destroyForcibly();
        assertThat(child.waitFor()).isNotZero();
      } finally {
        child.destroyForcibly();
        held.countDown();
      }
      List<String> beforeKill = ids(r);
      Set<String> recorded = recordedDelivered(state.resolve("hook.jsonl"));
      assertThat(beforeKill).hasSize(3).containsAll(recorded);
      assertThat(recorded).hasSizeLessThanOrEqualTo(2);

      try (AlertOutbox reopened = AlertOutbox.builder(state,
          List.of(OutboxChild.route(r.uri("/hook"))),
          TestAlerts.delivery(1000, 1000, Duration.ofMinutes(1), Duration.ofMinutes(1)))
          .open()) {
        assertThat(reopened.drain(Duration.ofSeconds(60))).isTrue();
        assertThat(reopened.status().getFirst().delivered()).isEqualTo(ALERTS);
      }

      Map<String, Long> counts = ids(r).stream()
          .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
      Set<String> all = new HashSet<>(OutboxChild.alerts(ALERTS).stream().map(Alert::id)
          .toList());
      assertThat(counts.keySet()).as("every alert arrived, deduplicated by ID once each")
          .isEqualTo(all);
      for (String id : recorded) {
        assertThat(counts.get(id)).as("recorded delivered, so not resent: %s", id).isEqualTo(1);
      }
      // Only what was in flight, or accepted and not yet recorded, at the kill came twice.
      counts.forEach((id, n) -> assertThat(n).as(id).isLessThanOrEqualTo(2));
      assertThat(counts.values().stream().filter(n -> n == 2).count())
          .isLessThanOrEqualTo(3 - recorded.size());
    }
  }

  private static List<String> ids(Receiver r) {
    return r.requests().stream().map(q -> q.header("X-Cairn-Alert-Id")).toList();
  }

  /** The IDs the journal records delivered, read as the dead process left it. */
  private static Set<String> recordedDelivered(Path journal) throws IOException {
    Set<String> ids = new HashSet<>();
    String text = Files.readString(journal);
    for (String line : text.substring(0, text.lastIndexOf('\n') + 1).split("\n")) {
      JsonNode r = AlertJson.MAPPER.readTree(line);
      if (r.get("op").textValue().equals("delivered")) {
        ids.add(r.get("id").textValue());
      }
    }
    return ids;
  }

  private static String read(Path log) throws IOException {
    return Files.exists(log) ? Files.readString(log) : "";
  }
}
