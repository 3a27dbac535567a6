package dev.cairn.log.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The {@link ObjectStore} contract; every backend's test extends this: objects are created once
 * and never replaced, the same bytes again are accepted, other bytes are refused, partial
 * versions go only by {@link ObjectStore#deletePartials}, and the checkpoint is the one object
 * that is replaced.
 */
public abstract class ObjectStoreContract {
  /** A fresh, empty store. */
  protected abstract ObjectStore store() throws Exception;

  /** The same store as seen after a restart (a new instance over the same data). */
  protected abstract ObjectStore reopen() throws Exception;

  private static byte[] filled(int n, int value) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) value);
    return b;
  }

  @Test
  void getsWhatWasCreatedAndNothingElse() throws Exception {
    ObjectStore s = store();
    assertThat(s.get("tile/0/000")).isEmpty();
    s.create("tile/0/000", new byte[] {1, 2, 3});
    s.create("tile/entries/x001/234", new byte[] {4});
    assertThat(s.get("tile/0/000")).hasValueSatisfying(b -> assertThat(b).containsExactly(1, 2, 3));
    assertThat(s.get("tile/entries/x001/234")).hasValueSatisfying(b -> assertThat(b).containsExactly(4));
    assertThat(s.get("tile/0/001")).isEmpty();
    assertThat(reopen().get("tile/0/000")).hasValueSatisfying(b -> assertThat(b).hasSize(3));
  }

  @Test
  void theSameBytesAgainAreAcceptedAndOtherBytesAreRefusedWithoutReplacing() throws Exception {
    ObjectStore s = store();
    s.create("tile/1/000", filled(64, 1));
    s.create("tile/1/000", filled(64, 1));
    assertThatThrownBy(() -> s.create("tile/1/000", filled(64, 2)))
        .isInstanceOfSatisfying(StorageException.class,
            e -> assertThat(e.kind()).isEqualTo(StorageException.Kind.CONFLICT))
        .hasMessageContaining("tile/1/000");
    assertThatThrownBy(() -> s.create("tile/1/000", filled(96, 1)))
        .isInstanceOf(StorageException.class);
    assertThat(reopen().get("tile/1/000")).hasValueSatisfying(b ->
        assertThat(b).isEqualTo(filled(64, 1)));
  }

  @Test
  void partialVersionsAreObjectsOfTheirOwnAndOnlyDeletePartialsRemovesThem() throws Exception {
    ObjectStore s = store();
    s.create(new HashTile(0, 5, 37).path(), filled(37 * 32, 1));
    s.create(new HashTile(0, 5, 40).path(), filled(40 * 32, 1));
    s.create(new HashTile(0, 6, 3).path(), filled(3 * 32, 1));
    s.create(new EntryBundle(5, 2).path(), new byte[] {0, 1, 9, 0, 1, 8});
    assertThat(s.get("tile/0/005.p/37")).hasValueSatisfying(b -> assertThat(b).hasSize(37 * 32));
    assertThat(s.get("tile/0/005")).isEmpty();
    s.create(new HashTile(0, 5, 44).path(), filled(44 * 32, 1));
    s.deletePartials(HashTile.full(0, 5), w -> w > 37 && w < 44);
    assertThat(reopen().get("tile/0/005.p/40")).isEmpty();
    assertThat(reopen().get("tile/0/005.p/37")).isPresent();
    assertThat(reopen().get("tile/0/005.p/44")).isPresent();
    s.create("tile/0/005", filled(8192, 1));
    s.deletePartials(HashTile.full(0, 5), w -> true);
    ObjectStore r = reopen();
    assertThat(r.get("tile/0/005.p/37")).isEmpty();
    assertThat(r.get("tile/0/005.p/44")).isEmpty();
    assertThat(r.get("tile/0/005")).isPresent();
    assertThat(r.get("tile/0/006.p/3")).isPresent();
    assertThat(r.get("tile/entries/005.p/2")).isPresent();
    s.deletePartials(HashTile.full(0, 7), w -> true); // none there: nothing to do
    assertThatThrownBy(() -> s.deletePartials(new HashTile(0, 6, 3), w -> true))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theCheckpointIsTheOneObjectThatIsReplaced() throws Exception {
    ObjectStore s = store();
    assertThat(s.get(ObjectStore.CHECKPOINT)).isEmpty();
    s.publishCheckpoint(new byte[] {1});
    s.publishCheckpoint(new byte[] {2, 2});
    assertThat(reopen().get(ObjectStore.CHECKPOINT))
        .hasValueSatisfying(b -> assertThat(b).containsExactly(2, 2));
  }

  @Test
  void pathsThatAreNotCanonicalTilePathsAreRefused() throws Exception {
    ObjectStore s = store();
    for (String bad : List.of("tile/0/5", "tile/0/../../etc", "/tile/0/000", "tile/0/000.p/0",
        "tile/0/000.p/256", "checkpoint/x", "index/x")) {
      assertThatThrownBy(() -> s.create(bad, new byte[] {1}))
          .as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void readersNeverSeeATornObject() throws Exception {
    ObjectStore s = store();
    byte[] a = filled(8192, 7);
    AtomicBoolean done = new AtomicBoolean();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<Integer> reader = pool.submit(() -> {
        int whole = 0;
        while (!done.get()) {
          var got = s.get("tile/0/x001/005");
          if (got.isPresent()) {
            assertThat(got.get()).isEqualTo(a);
            whole++;
          }
        }
        return whole;
      });
      for (int i = 0; i < 20; i++) {
        s.create("tile/0/x001/005", a);
      }
      done.set(true);
      assertThat(reader.get()).isNotNegative();
    }
    assertThat(s.get("tile/0/x001/005")).hasValueSatisfying(b -> assertThat(b).isEqualTo(a));
  }

  @Test
  void createAllStoresEveryObjectAndAcceptsWhatIsThereAlready() throws Exception {
    ObjectStore s = store();
    s.create("tile/0/000", new byte[] {1});
    Map<String, byte[]> batch = new LinkedHashMap<>();
    batch.put("tile/0/000", new byte[] {1});
    batch.put("tile/1/000.p/1", new byte[] {2, 2});
    batch.put("tile/entries/x001/000", new byte[] {3, 3, 3});
    s.createAll(batch);
    ObjectStore r = reopen();
    for (var e : batch.entrySet()) {
      assertThat(r.get(e.getKey())).hasValueSatisfying(v -> assertThat(v).isEqualTo(e.getValue()));
    }
    s.createAll(Map.of());
  }

  @Test
  void concurrentCreatesOfDifferentPathsAllLand() throws Exception {
    ObjectStore s = store();
    List<Future<?>> fs = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 64; i++) {
        int n = i;
        fs.add(pool.submit(() -> {
          s.create("tile/0/x001/" + String.format("%03d", n), new byte[] {(byte) n});
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
