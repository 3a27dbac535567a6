package dev.cairn.tile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Tile paths against the vectors in {@code tile-paths.txt} and round-trip properties. */
class TilePathsTest {
  @Test
  void indexIsWrittenInThreeDigitGroups() {
    assertThat(TilePaths.formatIndex(0)).isEqualTo("000");
    assertThat(TilePaths.formatIndex(5)).isEqualTo("005");
    assertThat(TilePaths.formatIndex(999)).isEqualTo("999");
    assertThat(TilePaths.formatIndex(1000)).isEqualTo("x001/000");
    assertThat(TilePaths.formatIndex(1234067)).isEqualTo("x001/x234/067");
    assertThat(TilePaths.formatIndex(Long.MAX_VALUE))
        .isEqualTo("x009/x223/x372/x036/x854/x775/807");
  }

  @Test
  void tilesAndBundlesFormatAsTheSpecSays() {
    assertThat(new HashTile(0, 1234067, 256).path()).isEqualTo("tile/0/x001/x234/067");
    assertThat(new HashTile(2, 0, 1).path()).isEqualTo("tile/2/000.p/1");
    assertThat(new EntryBundle(1234067, 112).path()).isEqualTo("tile/entries/x001/x234/067.p/112");
  }

  @TestFactory
  Stream<DynamicTest> vectors() throws IOException {
    return lines("tile-paths.txt").stream().map(line -> {
      String[] f = line.split(" ", 2);
      return DynamicTest.dynamicTest(line, () -> {
        if (f[0].equals("ok")) {
          String[] g = f[1].split(" ");
          TilePath p = TilePath.parse(g[0]);
          assertThat(p.path()).isEqualTo(g[0]);
          TilePath expected = g[1].equals("entries")
              ? new EntryBundle(Long.parseLong(g[2]), Integer.parseInt(g[3]))
              : new HashTile(Integer.parseInt(g[1]), Long.parseLong(g[2]), Integer.parseInt(g[3]));
          assertThat(p).isEqualTo(expected);
        } else {
          assertThatThrownBy(() -> TilePath.parse(f[1]))
              .isInstanceOf(IllegalArgumentException.class)
              .hasMessageContaining("tile");
        }
      });
    });
  }

  @Property
  void hashTilePathsRoundTrip(@ForAll @IntRange(min = 0, max = 63) int level,
      @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long index,
      @ForAll @IntRange(min = 1, max = 256) int width) {
    HashTile t = new HashTile(level, index, width);
    assertThat(TilePath.parse(t.path())).isEqualTo(t);
  }

  @Property
  void bundlePathsRoundTrip(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long index,
      @ForAll @IntRange(min = 1, max = 256) int width) {
    EntryBundle b = new EntryBundle(index, width);
    assertThat(TilePath.parse(b.path())).isEqualTo(b);
  }

  static List<String> lines(String resource) throws IOException {
    try (InputStream in = TilePathsTest.class.getResourceAsStream("/vectors/" + resource)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
          .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    }
  }
}
