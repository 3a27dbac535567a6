package dev.cairn.log;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.note.SignatureType;
import dev.cairn.note.VerifierKey;
import dev.cairn.log.sequencing.Sequencer;
import dev.cairn.log.sequencing.SequencerConfig;
import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.log.testing.TestClock;
import dev.cairn.verify.LogVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One data directory as a log: its lock, its identity, and what close and reopen keep. */
class TransparencyLogTest {
  private static final String ORIGIN = "example.com/transparency-log-test";

  @TempDir Path dir;
  private final TestClock clock = new TestClock(Instant.parse("2030-06-01T00:00:00Z"));

  private LogConfig config(SequencerConfig sequencing) {
    return new LogConfig(dir, Optional.of(ORIGIN), sequencing, Duration.ofHours(1), clock);
  }

  private LogConfig config() {
    return config(new SequencerConfig(Duration.ofMillis(2), 256, 10_000));
  }

  @Test
  void writesItsVerifierKeysAndSignsCheckpointsWithBoth() throws Exception {
    try (TransparencyLog log = TransparencyLog.open(config())) {
      List<VerifierKey> keys = Files.readAllLines(dir.resolve("log.vkey"), UTF_8).stream()
          .filter(l -> !l.isBlank()).map(VerifierKey::parse).toList();
      assertThat(keys).extracting(VerifierKey::type)
          .containsExactly(SignatureType.ED25519, SignatureType.MLDSA44_SUBTREE_V1);
      assertThat(keys).extracting(VerifierKey::name).containsOnly(ORIGIN);
      LogVerifier.ofLogKeys(keys)
          .verifyCheckpoint(log.publisher().latest().note());
    }
  }

  @Test
  void aFirstStartKilledWhileCreatingKeysLeavesADirectoryThatStarts() throws Exception {
    // What a kill between the two key writes of a first start leaves behind.
    Files.createDirectories(dir.resolve("keys.tmp"));
    Files.writeString(dir.resolve("keys.tmp/log.skey"), "PRIVATE+KEY+half");
    try (TransparencyLog log = TransparencyLog.open(config())) {
      assertThat(log.keys().origin()).isEqualTo(ORIGIN);
      assertThat(dir.resolve("keys.tmp")).doesNotExist();
      assertThat(Files.readAllLines(dir.resolve("log.vkey"), UTF_8))
          .isEqualTo(log.keys().verifierKeys());
    }
  }

  @Test
  void aLostVerifierKeyFileIsWrittenAgain() throws Exception {
    List<String> vkeys;
    try (TransparencyLog log = TransparencyLog.open(config())) {
      vkeys = log.keys().verifierKeys();
    }
    Files.delete(dir.resolve("log.vkey"));
    try (TransparencyLog log = TransparencyLog.open(config())) {
      assertThat(Files.readAllLines(dir.resolve("log.vkey"), UTF_8)).isEqualTo(vkeys);
    }
  }

  @Test
  void aSecondOpenOfTheSameDirectoryFailsWhileTheFirstRuns() throws Exception {
    try (TransparencyLog log = TransparencyLog.open(config())) {
      assertThatThrownBy(() -> TransparencyLog.open(config())).isInstanceOf(IOException.class)
          .hasMessageContaining("another cairn process");
      assertThat(log.sequencer().add("still works".getBytes(UTF_8)).get(10, TimeUnit.SECONDS)
          .index()).isZero();
    }
    try (TransparencyLog again = TransparencyLog.open(config())) {
      assertThat(again.sequencer().sequenced().size()).isEqualTo(1);
    }
  }

  @Test
  void theOriginCannotChange() throws Exception {
    TransparencyLog.open(config()).close();
    LogConfig other = new LogConfig(dir, Optional.of("example.com/other"),
        SequencerConfig.DEFAULT, Duration.ofSeconds(1), clock);
    assertThatThrownBy(() -> TransparencyLog.open(other)).isInstanceOf(IOException.class)
        .hasMessageContaining(ORIGIN).hasMessageContaining("example.com/other");
    try (TransparencyLog log = TransparencyLog.open(config())) {
      assertThat(log.keys().origin()).isEqualTo(ORIGIN);
    }
  }

  @Test
  void aLogThatFailsToOpenReleasesItsDirectoryAndIndex() throws Exception {
    TransparencyLog.open(config()).close();
    Files.writeString(dir.resolve("checkpoint"), "not a checkpoint\n", UTF_8);
    for (int attempt = 1; attempt <= 2; attempt++) {
      assertThatThrownBy(() -> TransparencyLog.open(config())).as("attempt %d", attempt)
          .isInstanceOf(IOException.class).hasMessageContaining("unreadable");
    }
  }

  @Test
  void closeSequencesAndPublishesWhatWasPooled() throws Exception {
    Instant closedAt;
    try (TransparencyLog log = TransparencyLog.open(
        config(new SequencerConfig(Duration.ofMinutes(1), 100, 1000)))) {
      Sequencer s = log.sequencer();
      assertThat(s.add("a".getBytes(UTF_8)).get(10, TimeUnit.SECONDS).index()).isZero();
      CompletableFuture<Sequencer.Added> b = s.add("b".getBytes(UTF_8));
      assertThat(s.poolDepth()).isEqualTo(1);
      clock.advance(Duration.ofMinutes(5));
      closedAt = clock.instant();
      log.close();
      assertThat(b).isCompletedWithValue(new Sequencer.Added(1, false));
    }
    clock.advance(Duration.ofMinutes(5));
    try (TransparencyLog log = TransparencyLog.open(config())) {
      assertThat(log.publisher().latest().checkpoint().size()).isEqualTo(2);
      CheckpointHistory.Entry last = log.history().last().orElseThrow();
      assertThat(last.size()).isEqualTo(2);
      assertThat(last.time()).as("published by close, not by the reopen").isEqualTo(closedAt);
    }
  }
}
