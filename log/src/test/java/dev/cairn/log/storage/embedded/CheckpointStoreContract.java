package dev.cairn.log.storage.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The {@link CheckpointStore} contract. */
public abstract class CheckpointStoreContract {
  protected abstract CheckpointStore store() throws Exception;

  protected abstract CheckpointStore reopen() throws Exception;

  @Test
  void createsOnceThenSwapsOnlyFromTheCurrentValue() throws Exception {
    CheckpointStore s = store();
    assertThat(s.latest()).isEmpty();
    assertThat(s.compareAndSwap(new byte[] {1}, new byte[] {2})).isFalse();
    assertThat(s.latest()).isEmpty();
    assertThat(s.create(new byte[] {1})).isTrue();
    assertThat(s.create(new byte[] {9})).isFalse();
    assertThat(s.latest()).hasValueSatisfying(v -> assertThat(v).containsExactly(1));
    assertThat(s.compareAndSwap(new byte[] {9}, new byte[] {2})).isFalse();
    assertThat(s.latest()).hasValueSatisfying(v -> assertThat(v).containsExactly(1));
    assertThat(s.compareAndSwap(new byte[] {1}, new byte[] {2})).isTrue();
    assertThat(reopen().latest()).hasValueSatisfying(v -> assertThat(v).containsExactly(2));
  }

  @Test
  void exactlyOneOfManyRacingSwapsWins() throws Exception {
    CheckpointStore s = store();
    s.create(new byte[] {0});
    List<Future<Boolean>> fs = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 1; i <= 16; i++) {
        byte n = (byte) i;
        fs.add(pool.submit(() -> s.compareAndSwap(new byte[] {0}, new byte[] {n})));
      }
      int wins = 0;
      for (Future<Boolean> f : fs) {
        wins += f.get() ? 1 : 0;
      }
      assertThat(wins).isEqualTo(1);
    }
    assertThat(s.latest().orElseThrow()[0]).isNotZero();
  }
}
