package dev.cairn.log.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The {@link ObjectStore} contract; every backend's test extends this. */
public abstract class ObjectStoreContract {
  /** A fresh, empty store. */
  protected abstract ObjectStore store() throws Exception;

  /** The same store as seen after a restart (a new instance over the same data). */
  protected abstract ObjectStore reopen() throws Exception;

  @Test
  void getsWhatWasPutAndNothingElse() throws Exception {
    ObjectStore s = store();
    assertThat(s.get("tile/0/000")).isEmpty();
    s.put("tile/0/000", new byte[] {1, 2, 3});
    s.put("tile/entries/x001/234", new byte[] {4});
    assertThat(s.get("tile/0/000")).hasValueSatisfying(b -> assertThat(b).containsExactly(1, 2, 3));
    assertThat(s.get("tile/entries/x001/234")).hasValueSatisfying(b -> assertThat(b).containsExactly(4));
    assertThat(s.get("tile/0/001")).isEmpty();
    assertThat(reopen().get("tile/0/000")).hasValueSatisfying(b -> assertThat(b).hasSize(3));
  }

  @Test
  void putReplacesAndEmptyObjectsExist() throws Exception {
    ObjectStore s = store();
    s.put("tile/1/000", new byte[64]);
    s.put("tile/1/000", new byte[96]);
    assertThat(s.get("tile/1/000")).hasValueSatisfying(b -> assertThat(b).hasSize(96));
    s.put("tile/2/000", new byte[0]);
    assertThat(s.get("tile/2/000")).hasValueSatisfying(b -> assertThat(b).isEmpty());
  }

  @Test
  void readersNeverSeeATornObject() throws Exception {
    ObjectStore s = store();
    byte[] a = new byte[8192];
    byte[] b = new byte[8192];
    java.util.Arrays.fill(b, (byte) 7);
    s.put("tile/0/005", a);
    AtomicBoolean done = new AtomicBoolean();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<Integer> reader = pool.submit(() -> {
        int reads = 0;
        while (!done.get() || reads == 0) {
          byte[] got = s.get("tile/0/005").orElseThrow();
          assertThat(got).satisfiesAnyOf(x -> assertThat(x).isEqualTo(a),
              x -> assertThat(x).isEqualTo(b));
          reads++;
        }
        return reads;
      });
      for (int i = 0; i < 50; i++) {
        s.put("tile/0/005", i % 2 == 0 ? b : a);
      }
      done.set(true);
      assertThat(reader.get()).isPositive();
    }
  }

  @Test
  void putAllStoresEveryObject() throws Exception {
    ObjectStore s = store();
    s.put("tile/0/000", new byte[] {9});
    java.util.Map<String, byte[]> batch = new java.util.LinkedHashMap<>();
    batch.put("tile/0/000", new byte[] {1});
    batch.put("tile/1/000", new byte[] {2, 2});
    batch.put("tile/entries/x001/000", new byte[] {3, 3, 3});
    s.putAll(batch);
    ObjectStore r = reopen();
    for (var e : batch.entrySet()) {
      assertThat(r.get(e.getKey())).hasValueSatisfying(v -> assertThat(v).isEqualTo(e.getValue()));
    }
    s.putAll(java.util.Map.of());
  }

  @Test
  void concurrentPutsOfDifferentPathsAllLand() throws Exception {
    ObjectStore s = store();
    List<Future<?>> fs = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 64; i++) {
        int n = i;
        fs.add(pool.submit(() -> {
          s.put("tile/0/x001/" + String.format("%03d", n), new byte[] {(byte) n});
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    }
    ObjectStore r = reopen();
    for (int i = 0; i < 64; i++) {
      int n = i;
      assertThat(r.get("tile/0/x001/" + String.format("%03d", n)))
          .hasValueSatisfying(v -> assertThat(v).containsExactly((byte) n));
    }
  }
}
