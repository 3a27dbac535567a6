package dev.cairn.log.sequencing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The integrator's pending objects count the bytes they hold — what bounds its backlog — as
 * newer versions of a tile replace older ones.
 */
class WritesTest {
  private static Map<String, byte[]> objects(Object... pathsAndSizes) {
    Map<String, byte[]> m = new LinkedHashMap<>();
    for (int i = 0; i < pathsAndSizes.length; i += 2) {
      m.put((String) pathsAndSizes[i], new byte[(Integer) pathsAndSizes[i + 1]]);
    }
    return m;
  }

  @Test
  void countsTheBytesOfTheNewestVersionOfEachObject() {
    Writes w = new Writes();
    w.addAll(objects("tile/0/005.p/37", 37 * 32, "tile/entries/005.p/37", 5000));
    assertThat(w.bytes()).isEqualTo(37 * 32 + 5000);
    // A wider partial replaces the narrower one; the same path again replaces itself.
    w.addAll(objects("tile/0/005.p/40", 40 * 32, "tile/entries/005.p/40", 6000));
    w.addAll(objects("tile/entries/005.p/40", 6100));
    assertThat(w.bytes()).isEqualTo(40 * 32 + 6100);
    // The full tile replaces the partial; another tile adds to the count.
    w.addAll(objects("tile/0/005", 256 * 32, "tile/1/000.p/6", 6 * 32));
    assertThat(w.bytes()).isEqualTo(256 * 32 + 6100 + 6 * 32);
    assertThat(w.size()).isEqualTo(3);

    Writes later = new Writes();
    later.addAll(objects("tile/entries/005", 7000, "tile/1/000.p/7", 7 * 32));
    w.addAll(later);
    assertThat(w.bytes()).isEqualTo(256 * 32 + 7000 + 7 * 32);
    assertThat(w.bytes()).isEqualTo(w.objects().values().stream().mapToLong(b -> b.length)
        .sum());
  }
}
