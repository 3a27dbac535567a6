package dev.cairn.monitor.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.monitor.testing.RogueLog;
import dev.cairn.read.HttpLogReader;
import dev.cairn.read.MalformedObjectException;
import dev.cairn.tile.HashTile;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Retried reads against a log that fails on command, counted on the log's side. */
class RetryingTest {
  private static final Retrying.Policy THREE =
      new Retrying.Policy(3, Duration.ofMillis(1), Duration.ofMillis(4));

  private RogueLog log;
  private HttpLogReader http;
  private final List<Boolean> tries = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws IOException {
    log = RogueLog.builder().size(20).start();
    http = HttpLogReader.open(log.url());
  }

  @AfterEach
  void stop() {
    http.close();
    log.close();
  }

  private Retrying retrying(Retrying.Policy policy) {
    return new Retrying(http, policy, (what, nanos, ok) -> tries.add(ok));
  }

  @Test
  void aReadSucceedsAfterFailuresWithinTheAttempts() throws IOException {
    log.failNext(2);
    assertThat(retrying(THREE).checkpoint()).isEqualTo(log.checkpoint());
    assertThat(log.requests("checkpoint")).isEqualTo(3);
    assertThat(tries).containsExactly(false, false, true);
  }

  @Test
  void itGivesUpAfterTheAttemptsWithTheLastError() {
    log.failNext(2, 500);
    log.down(503);
    assertThatThrownBy(() -> retrying(THREE).checkpoint()).isInstanceOf(IOException.class)
        .hasMessageContaining("answered 503").hasMessageContaining(log.url() + "checkpoint");
    assertThat(log.requests("checkpoint")).isEqualTo(3);
    assertThat(tries).containsExactly(false, false, false);
  }

  @Test
  void oneAttemptIsNoRetry() {
    log.failNext(1);
    assertThatThrownBy(() -> retrying(new Retrying.Policy(1, Duration.ZERO, Duration.ZERO))
        .checkpoint()).isInstanceOf(IOException.class).hasMessageContaining("503");
    assertThat(log.requests("checkpoint")).isEqualTo(1);
  }

  @Test
  void aMissingObjectIsAnAnswerNotAFailure() {
    log.failNext(5, 404);
    assertThatThrownBy(() -> retrying(THREE).checkpoint()).isInstanceOf(NoSuchFileException.class);
    assertThat(log.requests("checkpoint")).isEqualTo(1);
    assertThat(tries).containsExactly(true);
  }

  @Test
  void aMisshapenObjectIsAnAnswerNotAFailure() {
    log.failNext(5, 200); // a 200 whose body is a line of text, not 20 hashes
    assertThatThrownBy(() -> retrying(THREE).readTile(new HashTile(0, 0, 20)))
        .isInstanceOf(MalformedObjectException.class);
    assertThat(log.requests("tile/0/000.p/20")).isEqualTo(1);
    assertThat(tries).containsExactly(true);
  }

  @Test
  void tilesAndBundlesAreRetriedToo() throws IOException {
    log.failNext(2);
    assertThat(retrying(THREE).readTile(new HashTile(0, 0, 20))).hasSize(20 * 32);
    assertThat(log.requests("tile/0/000.p/20")).isEqualTo(3);
  }

  @ParameterizedTest
  @CsvSource({"1000000, 1000000000", "0, 5", "7, 7", "17179869184, 60000000000",
      "4611686018427387904, 9223372036854775807"})
  void eachBackoffIsFullJitterUpToTheDoubledBaseAndTheMax(long baseNanos, long maxNanos) {
    Retrying.Policy p = new Retrying.Policy(1000, Duration.ofNanos(baseNanos),
        Duration.ofNanos(maxNanos));
    for (int n : new int[] {1, 2, 3, 10, 30, 31, 32, 40, 63, 64, 999}) {
      long cap = BigInteger.valueOf(baseNanos).shiftLeft(n - 1)
          .min(BigInteger.valueOf(maxNanos)).longValueExact();
      long[] waits = LongStream.range(0, 2000).map(i -> p.backoff(n).toNanos()).toArray();
      assertThat(LongStream.of(waits).boxed().toList()).as("n=%d", n)
          .allSatisfy(w -> assertThat(w).isBetween(0L, cap));
      if (cap >= 1000) {
        assertThat(LongStream.of(waits).max().orElseThrow()).as("n=%d reaches up", n)
            .isGreaterThan(cap / 2);
        assertThat(LongStream.of(waits).min().orElseThrow()).as("n=%d reaches down", n)
            .isLessThan(cap / 2);
      }
    }
  }

  @Test
  void aPolicyNeedsAnAttemptAndOrderedDelays() {
    assertThatThrownBy(() -> new Retrying.Policy(0, Duration.ZERO, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Retrying.Policy(2, Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Retrying.Policy(2, Duration.ofSeconds(-1), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
