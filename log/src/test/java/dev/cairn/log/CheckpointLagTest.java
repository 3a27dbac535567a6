package dev.cairn.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.log.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The freshness SLI against a reference: the lag is the age of the oldest sequenced entry the
 * published checkpoint does not cover, never shorter when marks are merged.
 */
class CheckpointLagTest {
  private final TestClock clock = new TestClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final AtomicLong sequenced = new AtomicLong();
  private final AtomicLong published = new AtomicLong();
  private final CheckpointLag lag = new CheckpointLag(sequenced::get, published::get, clock);

  private void batch(long size) {
    sequenced.set(size);
    lag.observe();
  }

  @Test
  void zeroWhileTheCheckpointCoversEverythingHoweverOld() {
    batch(0);
    assertThat(lag.seconds()).isZero();
    batch(10);
    published.set(10);
    clock.advance(Duration.ofHours(3));
    assertThat(lag.seconds()).isZero();
  }

  @Test
  void theOldestUncoveredEntryCountsAndAPartialPublicationMovesToTheNextBatch() {
    batch(5); // entries 0..4 at t=0
    clock.advance(Duration.ofSeconds(2));
    batch(8); // entries 5..7 at t=2
    clock.advance(Duration.ofSeconds(3));
    assertThat(lag.seconds()).isEqualTo(5.0);

    published.set(3); // entry 3 (sequenced at t=0) is the oldest uncovered
    assertThat(lag.seconds()).isEqualTo(5.0);
    published.set(5); // entry 5, sequenced at t=2
    assertThat(lag.seconds()).isEqualTo(3.0);
    published.set(8);
    assertThat(lag.seconds()).isZero();
    clock.advance(Duration.ofSeconds(1));
    batch(9);
    clock.advance(Duration.ofMillis(250));
    assertThat(lag.seconds()).isEqualTo(0.25);
  }

  @Test
  void growthSeenOnlyAtAScrapeCountsFromThatScrape() {
    sequenced.set(4); // committed by another node: no batch here
    clock.advance(Duration.ofSeconds(1));
    assertThat(lag.seconds()).isZero(); // seen now
    clock.advance(Duration.ofSeconds(7));
    assertThat(lag.seconds()).isEqualTo(7.0);
  }

  @Test
  void mergedMarksNeverMakeTheLagShorter() {
    // Publication held back while many batches come: the marks are thinned.
    int batches = CheckpointLag.MAX_MARKS * 3;
    for (int i = 1; i <= batches; i++) {
      clock.advance(Duration.ofMillis(10));
      batch(i * 2L);
    }
    long start = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    long end = clock.millis();
    for (long covered = 0; covered < batches * 2L; covered += 97) {
      published.set(covered);
      // Reference: entry `covered` came in batch covered / 2 + 1, sequenced at its time.
      long exact = end - (start + (covered / 2 + 1) * 10);
      long read = Math.round(lag.seconds() * 1000);
      // Longer by at most the batches merged into one mark (a few halvings: 16 batches).
      assertThat(read).as("covered %d", covered).isBetween(exact, exact + 16 * 10);
    }
  }

  @Test
  void aTreeRebuiltSmallerKeepsTheWaitOfWhatIsSequencedAgain() {
    batch(10);
    clock.advance(Duration.ofSeconds(4));
    batch(6); // a failed commit: the durable tree is at 6
    clock.advance(Duration.ofSeconds(1));
    assertThat(lag.seconds()).isEqualTo(5.0);
    published.set(6);
    assertThat(lag.seconds()).isZero();
  }
}
