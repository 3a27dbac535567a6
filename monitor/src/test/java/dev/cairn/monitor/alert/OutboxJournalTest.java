package dev.cairn.monitor.alert;

import dev.cairn.monitor.Backoff;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal's crash recovery, and the backoff's bounds. */
class OutboxJournalTest {
  @TempDir Path dir;

  private OutboxJournal open(Path file) throws IOException {
    return OutboxJournal.open(file, dir, Duration.ofDays(30), new TestAlerts.MutableClock());
  }

  @Test
  void aTornLastLineIsDroppedAndTheRestKept() throws IOException {
    Path file = dir.resolve("hook.jsonl");
    Alert a = TestAlerts.alert("1", "opened");
    Alert b = TestAlerts.alert("2", "opened");
    try (OutboxJournal j = open(file)) {
      j.queue(List.of(a, b));
      j.delivered(j.head().orElseThrow());
    }
    Files.writeString(file, "{\"op\":\"delivered\",\"seq\":2,\"at\":\"2025-",
        StandardOpenOption.APPEND);
    try (OutboxJournal j = open(file)) {
      assertThat(j.head().orElseThrow().alert()).isEqualTo(b);
      assertThat(j.delivered()).containsExactly(a.id());
      assertThat(j.queue(List.of(a, b))).isEmpty();
    }
    assertThat(Files.readString(file)).endsWith("\n").doesNotContain("2025-\n");
  }

  @Test
  void aBadLineBeforeGoodOnesIsCorruptionNotGuessedAround() throws IOException {
    Path file = dir.resolve("hook.jsonl");
    try (OutboxJournal j = open(file)) {
      j.queue(List.of(TestAlerts.alert("1", "opened")));
    }
    String good = Files.readString(file);
    Files.writeString(file, "garbage\n" + good);
    assertThatThrownBy(() -> open(file)).isInstanceOf(IOException.class)
        .hasMessageContaining(file + " is corrupt: line 1");
  }

  @Test
  void fullJitterStaysUnderTheCappedExponential() {
    Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));
    assertThat(b.cap(0)).isEqualTo(Duration.ofMillis(100));
    assertThat(b.cap(3)).isEqualTo(Duration.ofMillis(800));
    assertThat(b.cap(10)).isEqualTo(Duration.ofSeconds(5));
    assertThat(b.cap(1000)).isEqualTo(Duration.ofSeconds(5));
    RandomGenerator random = RandomGenerator.of("L64X128MixRandom");
    for (int n = 0; n < 70; n++) {
      assertThat(b.delay(n, random)).isBetween(Duration.ZERO, b.cap(n));
    }
  }
}
