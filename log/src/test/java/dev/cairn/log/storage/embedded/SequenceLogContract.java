package dev.cairn.log.storage.embedded;

import dev.cairn.log.storage.TreeHead;
import dev.cairn.log.storage.SequencedBatch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@link SequenceLog} contract. */
public abstract class SequenceLogContract {
  protected abstract SequenceLog log() throws Exception;

  /** The same log as seen after a restart. */
  protected abstract SequenceLog reopen() throws Exception;

  protected static SequencedBatch batch(long start, int n) {
    List<byte[]> entries = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      entries.add(("entry " + (start + i)).getBytes(StandardCharsets.UTF_8));
    }
    Hash root = Hasher.threadLocal().leaf(("root " + (start + n)).getBytes(StandardCharsets.UTF_8));
    return new SequencedBatch(start, entries, new TreeHead(start + n, root));
  }

  protected static List<Long> replayed(SequenceLog log, long after) throws Exception {
    List<Long> starts = new ArrayList<>();
    log.replay(after, b -> starts.add(b.start()));
    return starts;
  }

  @Test
  void replaysWhatWasAppendedInOrder() throws Exception {
    SequenceLog l = log();
    assertThat(replayed(l, 0)).isEmpty();
    l.append(batch(0, 3));
    l.append(batch(3, 1));
    l.append(batch(4, 300));
    SequenceLog r = reopen();
    List<SequencedBatch> got = new ArrayList<>();
    r.replay(0, got::add);
    assertThat(got).extracting(SequencedBatch::start).containsExactly(0L, 3L, 4L);
    assertThat(got.get(2).entries()).hasSize(300);
    assertThat(new String(got.get(2).entries().get(299), StandardCharsets.UTF_8))
        .isEqualTo("entry 303");
    assertThat(got.get(2).head()).isEqualTo(batch(4, 300).head());
    assertThat(replayed(r, 3)).containsExactly(3L, 4L);
    assertThat(replayed(r, 4)).containsExactly(4L);
    assertThat(replayed(r, 304)).isEmpty();
  }

  @Test
  void dropsOnlyBatchesThatEndAtOrBelowTheSize() throws Exception {
    SequenceLog l = log();
    for (long s = 0; s < 50; s += 5) {
      l.append(batch(s, 5));
    }
    l.dropThrough(22);
    assertThat(replayed(l, 0)).contains(20L, 25L, 45L);
    assertThat(replayed(reopen(), 22)).containsExactly(20L, 25L, 30L, 35L, 40L, 45L);
  }

  @Test
  void refusesABatchThatDoesNotFollowTheLast() throws Exception {
    SequenceLog l = log();
    l.append(batch(10, 2));
    assertThatThrownBy(() -> l.append(batch(13, 2))).isInstanceOf(IllegalArgumentException.class);
    assertThat(replayed(reopen(), 0)).containsExactly(10L);
  }
}
