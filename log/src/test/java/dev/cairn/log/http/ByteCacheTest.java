package dev.cairn.log.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/** The byte-bounded cache behind the tile and history caches. */
class ByteCacheTest {
  @Test
  void putsBeyondTheBudgetEvictOthersAndTheCountStaysExact() throws Exception {
    ByteCache<Integer, byte[]> cache = new ByteCache<>(100_000, b -> b.length);
    List<Future<?>> work = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
      for (int t = 0; t < 4; t++) {
        work.add(pool.submit(() -> {
          for (int i = 0; i < 5_000; i++) {
            int key = ThreadLocalRandom.current().nextInt(200);
            cache.put(key, new byte[1 + key * 10], (kept, fresh) -> kept);
          }
        }));
      }
      for (Future<?> f : work) {
        f.get();
      }
    }
    long held = 0;
    for (int k = 0; k < 200; k++) {
      byte[] v = cache.get(k);
      held += v == null ? 0 : v.length;
    }
    assertThat(cache.bytes()).as("the count matches what is held").isEqualTo(held)
        .isLessThanOrEqualTo(100_000);
  }

  @Test
  void theChoiceDecidesWhichOfTwoValuesIsKept() {
    ByteCache<String, byte[]> cache = new ByteCache<>(1000, b -> b.length);
    byte[] first = new byte[10];
    cache.put("k", first, (kept, fresh) -> kept);
    cache.put("k", new byte[20], (kept, fresh) -> kept);
    assertThat(cache.get("k")).isSameAs(first);
    assertThat(cache.bytes()).isEqualTo(10);
    byte[] wider = new byte[30];
    cache.put("k", wider, (kept, fresh) -> fresh);
    assertThat(cache.get("k")).isSameAs(wider);
    assertThat(cache.bytes()).isEqualTo(30);
    cache.put("big", new byte[501], (kept, fresh) -> fresh);
    assertThat(cache.get("big")).as("over half the budget").isNull();
  }
}
