package dev.cairn.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.log.LogConfig;
import dev.cairn.log.TransparencyLog;
import dev.cairn.log.sequencing.SequencerConfig;
import dev.cairn.monitor.config.MonitorConfig;
import dev.cairn.monitor.config.MonitorConfig.LogTarget;
import dev.cairn.monitor.report.Report;
import dev.cairn.note.VerifierKey;
import dev.cairn.policy.Policy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log read from a local directory ({@code file:} URL): a real log's {@code tiles/}, audited
 * like one served over HTTP, and a tile changed on disk is caught by the replay.
 */
class MonitorDirectoryTest {
  @TempDir Path dir;

  @Test
  void aLogsTilesDirectoryIsAuditedAndATamperedTileIsCaught() throws Exception {
    Path data = dir.resolve("data");
    List<VerifierKey> keys;
    try (TransparencyLog log = TransparencyLog.open(new LogConfig(data,
        Optional.of("example.com/directory-test"),
        new SequencerConfig(Duration.ofMillis(2), 256, 10_000), Duration.ofMillis(50),
        java.time.Clock.systemUTC()))) {
      for (int i = 0; i < 300; i++) {
        log.submissions().add(("entry " + i).getBytes(StandardCharsets.UTF_8));
      }
      log.checkpoints().awaitSize(300).get(30, TimeUnit.SECONDS);
      keys = Files.readAllLines(data.resolve("log.vkey")).stream().filter(l -> !l.isBlank())
          .map(VerifierKey::parse).toList();
    }
    LogTarget target = new LogTarget("local", data.resolve("tiles").toUri(),
        Policy.ofLogs(keys), Duration.ofHours(1), Map.of(), 0, List.of(), Duration.ofHours(1));
    try (Monitors env = new Monitors(dir.resolve("monitor"))) {
      env.readers = Monitor.httpReaders(dev.cairn.monitor.check.Retrying.Policy.DEFAULT);
      try (Monitor m = env.open(List.of(target))) {
        Report r = m.run("r1", List.of());
        assertThat(r.findings()).isEmpty();
        assertThat(r.logs()).singleElement().satisfies(l -> {
          assertThat(l.status()).isEqualTo("ok");
          assertThat(l.entriesReplayed()).isEqualTo(300);
        });
      }
      // Flip a byte of the first full level-0 tile: a fresh audit must find it.
      Path tile = data.resolve("tiles/tile/0/000");
      byte[] bytes = Files.readAllBytes(tile);
      bytes[5] ^= 1;
      Files.write(tile, bytes);
      Files.delete(dir.resolve("monitor/state/logs/local.json"));
      try (Monitor m = env.open(List.of(target))) {
        Report r = m.run("r2", List.of());
        assertThat(r.findings()).extracting(f -> f.rule().id()).containsExactly("log.replay");
      }
    }
  }
}
