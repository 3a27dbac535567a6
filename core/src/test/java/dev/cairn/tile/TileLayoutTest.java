package dev.cairn.tile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class TileLayoutTest {
  @Test
  void theSpecsExampleOf70000() {
    // "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial level 0
    // tile of width 112, one full level 1 tile, one partial level 1 tile of width 17, and one
    // partial level 2 tile of width 1."
    List<TilePath> all = TileLayout.added(0, 70_000);
    List<TilePath> hashTiles = all.stream().filter(t -> t instanceof HashTile).toList();
    assertThat(hashTiles.stream().filter(t -> ((HashTile) t).level() == 0 && !t.isPartial()))
        .hasSize(273);
    assertThat(TileLayout.partialTiles(70_000)).containsExactly(
        new HashTile(0, 273, 112), new HashTile(1, 1, 17), new HashTile(2, 0, 1),
        new EntryBundle(273, 112));
    assertThat(hashTiles).contains(HashTile.full(1, 0)).hasSize(273 + 1 + 1 + 1 + 1);
  }

  @Test
  void size256IsOneFullTileAndAPartialLevelOneTile() {
    assertThat(TileLayout.added(0, 256)).containsExactly(
        HashTile.full(0, 0), new HashTile(1, 0, 1), EntryBundle.full(0));
    assertThat(TileLayout.partialTiles(256)).containsExactly(new HashTile(1, 0, 1));
  }

  @Test
  void noTilesForNoGrowth() {
    assertThat(TileLayout.added(0, 0)).isEmpty();
    assertThat(TileLayout.added(1000, 1000)).isEmpty();
    assertThat(TileLayout.partialTiles(0)).isEmpty();
  }

  @Test
  void tileForFindsTheWidthAtASize() {
    assertThat(TileLayout.tileFor(0, 300, 70_000)).isEqualTo(HashTile.full(0, 1));
    assertThat(TileLayout.tileFor(0, 69_999, 70_000)).isEqualTo(new HashTile(0, 273, 112));
    assertThat(TileLayout.tileFor(1, 272, 70_000)).isEqualTo(new HashTile(1, 1, 17));
    assertThat(TileLayout.bundleFor(69_999, 70_000)).isEqualTo(new EntryBundle(273, 112));
  }

  /**
   * Growing a log step by step writes exactly the tiles that exist at the final size (full ones
   * once, partial ones at their final widths among others) — checked against a naive
   * enumeration of every tile of a size.
   */
  @Property
  void addedTilesCoverEveryTileOfTheNewSize(
      @ForAll @LongRange(min = 0, max = 300_000) long a,
      @ForAll @LongRange(min = 0, max = 300_000) long b) {
    long old = Math.min(a, b);
    long size = Math.max(a, b);
    Set<TilePath> before = naiveTiles(old);
    Set<TilePath> after = naiveTiles(size);
    Set<TilePath> expected = new HashSet<>(after);
    expected.removeAll(before);
    assertThat(new HashSet<>(TileLayout.added(old, size))).isEqualTo(expected);
    assertThat(TileLayout.added(old, size)).doesNotHaveDuplicates();
  }

  private static Set<TilePath> naiveTiles(long size) {
    List<TilePath> out = new ArrayList<>();
    long count = size;
    for (int level = 0; count > 0; level++, count /= 256) {
      for (long n = 0; n < count / 256; n++) {
        out.add(HashTile.full(level, n));
      }
      if (count % 256 != 0) {
        out.add(new HashTile(level, count / 256, (int) (count % 256)));
      }
    }
    for (long n = 0; n < size / 256; n++) {
      out.add(EntryBundle.full(n));
    }
    if (size % 256 != 0) {
      out.add(new EntryBundle(size / 256, (int) (size % 256)));
    }
    return new HashSet<>(out);
  }
}
