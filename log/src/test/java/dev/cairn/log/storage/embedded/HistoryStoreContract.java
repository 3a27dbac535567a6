package dev.cairn.log.storage.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.log.storage.CheckpointHistory;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@link HistoryStore} contract. */
public abstract class HistoryStoreContract {
  protected abstract HistoryStore history() throws Exception;

  protected abstract HistoryStore reopen() throws Exception;

  private static CheckpointHistory.Entry e(long size, long second) {
    return new CheckpointHistory.Entry(size, Instant.ofEpochSecond(1_800_000_000L + second),
        ("checkpoint " + size).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void appendsInOrderAndPaginates() throws Exception {
    HistoryStore h = history();
    assertThat(h.last()).isEmpty();
    for (int i = 1; i <= 10; i++) {
      h.append(e(i * 10L, i));
    }
    assertThat(h.last()).contains(e(100, 10));
    assertThat(h.bySize(50)).contains(e(50, 5));
    assertThat(h.bySize(55)).isEmpty();
    List<CheckpointHistory.Entry> page = h.list(-1, 3, Instant.EPOCH, Instant.MAX);
    assertThat(page).containsExactly(e(10, 1), e(20, 2), e(30, 3));
    assertThat(h.list(30, 3, Instant.EPOCH, Instant.MAX)).containsExactly(e(40, 4), e(50, 5),
        e(60, 6));
    assertThat(h.list(95, 10, Instant.EPOCH, Instant.MAX)).containsExactly(e(100, 10));
    assertThat(h.list(100, 10, Instant.EPOCH, Instant.MAX)).isEmpty();
    assertThat(reopen().list(-1, 100, Instant.EPOCH, Instant.MAX)).hasSize(10);
  }

  @Test
  void filtersByTime() throws Exception {
    HistoryStore h = history();
    for (int i = 1; i <= 10; i++) {
      h.append(e(i, i * 60L));
    }
    Instant from = Instant.ofEpochSecond(1_800_000_000L + 180);
    Instant to = Instant.ofEpochSecond(1_800_000_000L + 420);
    assertThat(h.list(-1, 100, from, to)).extracting(CheckpointHistory.Entry::size)
        .containsExactly(3L, 4L, 5L, 6L);
    assertThat(h.list(4, 100, from, to)).extracting(CheckpointHistory.Entry::size)
        .containsExactly(5L, 6L);
    assertThat(h.list(-1, 100, Instant.ofEpochSecond(1_900_000_000L), Instant.MAX)).isEmpty();
  }

  @Test
  void refusesToRewriteButAcceptsARepeatOfTheLast() throws Exception {
    HistoryStore h = history();
    h.append(e(5, 1));
    h.append(e(5, 1));
    CheckpointHistory.Entry other = new CheckpointHistory.Entry(5, Instant.now(),
        "another checkpoint of size 5".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> h.append(other)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> h.append(e(4, 3))).isInstanceOf(IllegalStateException.class);
    assertThat(h.list(-1, 10, Instant.EPOCH, Instant.MAX)).containsExactly(e(5, 1));
  }
}
