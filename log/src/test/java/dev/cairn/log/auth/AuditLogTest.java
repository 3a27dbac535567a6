package dev.cairn.log.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.log.testing.TestClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit log on real files: rotated by size, keeping a bounded number of files with every
 * line whole; allowed and authenticated decisions one line each, unauthenticated refusals one
 * line and a count per address, route and status and second.
 */
class AuditLogTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final TestClock clock = new TestClock(Instant.parse("2026-11-22T10:00:00Z"));
  @TempDir Path dir;

  private AuditLog.Decision allowed(int i) {
    return new AuditLog.Decision(clock.instant(), true, 0, "alice", Role.SUBMITTER, "POST /add",
        "ok", "192.0.2.1", String.format("r%03d", i));
  }

  private AuditLog.Decision refused(String address, int status, String reason, String id) {
    return new AuditLog.Decision(clock.instant(), false, status, null, Role.SUBMITTER,
        "POST /add", reason, address, id);
  }

  private static List<JsonNode> lines(Path file) throws Exception {
    List<JsonNode> lines = new ArrayList<>();
    for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      lines.add(JSON.readTree(l));
    }
    return lines;
  }

  @Test
  void aFileClosedByAnInterruptedWriterIsOpenedAgainToSyncCloseAndAppend() throws Exception {
    Path path = dir.resolve("rotating.log");
    RotatingFile file = RotatingFile.open(path, 1 << 20, 2);
    file.append("before\n".getBytes(StandardCharsets.UTF_8));
    // A write on an interrupted thread closes the channel, as a stopping server's does.
    Thread writer = new Thread(() -> {
      Thread.currentThread().interrupt();
      try {
        file.append("interrupted\n".getBytes(StandardCharsets.UTF_8));
      } catch (java.io.IOException expected) {
        // ClosedByInterruptException
      }
    });
    writer.start();
    writer.join();
    file.sync();
    file.append("after\n".getBytes(StandardCharsets.UTF_8));
    file.close();
    assertThat(Files.readAllLines(path)).startsWith("before").endsWith("after");
  }

  @Test
  void theFileIsRotatedBySizeAndTheOldestBeyondTheLimitDeleted() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    try (AuditLog audit = AuditLog.open(file, new AuditLog.Limits(4096, 2, 4096), clock)) {
      for (int i = 0; i < 100; i++) {
        audit.record(allowed(i));
      }
    }
    assertThat(file.resolveSibling("audit.jsonl.3")).as("only two rotated files").doesNotExist();
    List<JsonNode> kept = new ArrayList<>();
    for (String name : List.of("audit.jsonl.2", "audit.jsonl.1", "audit.jsonl")) {
      Path f = dir.resolve(name);
      assertThat(Files.size(f)).as(name).isPositive().isLessThanOrEqualTo(4096);
      kept.addAll(lines(f)); // every line whole JSON
    }
    // The newest lines, in order, without a gap, the last one last.
    int first = 100 - kept.size();
    assertThat(first).as("older lines were rotated away").isPositive();
    for (int i = 0; i < kept.size(); i++) {
      assertThat(kept.get(i).get("request_id").asText()).isEqualTo(String.format("r%03d",
          first + i));
    }
  }

  @Test
  void unauthenticatedRefusalsAreOneLineAndACountPerAddressRouteAndStatusEachSecond()
      throws Exception {
    Path file = dir.resolve("audit.jsonl");
    try (AuditLog audit = AuditLog.open(file, AuditLog.Limits.DEFAULTS, clock)) {
      for (int i = 0; i < 1000; i++) {
        audit.record(refused("192.0.2.7", 401, "no credentials", "a" + i));
        audit.record(refused("192.0.2.8", 401, "the token's key \"k" + i + "\" is not in the JWKS",
            "b" + i));
      }
      audit.record(refused("192.0.2.7", 429, "too many writes", "c0"));
      // An authenticated refusal is audited exactly, each time.
      for (int i = 0; i < 3; i++) {
        audit.record(new AuditLog.Decision(clock.instant(), false, 403, "bob", Role.SUBMITTER,
            "POST /add", "subject \"bob\" lacks the role submitter", "192.0.2.7", "d" + i));
      }
      clock.advance(Duration.ofSeconds(1));
      audit.record(refused("192.0.2.7", 401, "no credentials", "e0"));
      audit.tick();
      assertThat(lines(file)).hasSize(9);
    }
    List<JsonNode> lines = lines(file);
    assertThat(lines).extracting(l -> l.get("request_id").asText())
        .containsExactly("a0", "b0", "c0", "d0", "d1", "d2", "a999", "b999", "e0");
    assertThat(lines.get(6).get("repeats").asLong()).isEqualTo(999);
    assertThat(lines.get(6).get("address").asText()).isEqualTo("192.0.2.7");
    assertThat(lines.get(7).get("repeats").asLong()).isEqualTo(999);
    assertThat(lines.get(7).get("reason").asText()).contains("k999");
    assertThat(lines.get(0).has("repeats")).isFalse();
  }

  /**
   * Under a flood, a refusal timed just before a second began may be let in after the first one
   * of that second: it counts in the current second instead of starting the last one again
   * (which cleared the second's summaries and byte budget at every boundary).
   */
  @Test
  void aRefusalLetInLateCountsInTheCurrentSecond() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    Instant boundary = Instant.parse("2026-11-22T10:00:01Z");
    try (AuditLog audit = AuditLog.open(file, AuditLog.Limits.DEFAULTS, clock)) {
      for (Instant t : List.of(boundary.plusNanos(100_000), boundary.minusNanos(100_000),
          boundary.plusNanos(200_000))) {
        audit.record(new AuditLog.Decision(t, false, 401, null, Role.SUBMITTER, "POST /add",
            "no credentials", "192.0.2.9", "t" + t.getNano()));
      }
      clock.advance(Duration.ofSeconds(5));
      audit.tick();
    }
    List<JsonNode> lines = lines(file);
    assertThat(lines).hasSize(2);
    assertThat(lines.get(1).get("repeats").asLong()).isEqualTo(2);
  }
}
