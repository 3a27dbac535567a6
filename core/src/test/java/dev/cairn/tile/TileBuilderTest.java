package dev.cairn.tile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Proofs;
import dev.cairn.testing.MemoryTiles;
import dev.cairn.testing.NaiveTree;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Tiles built incrementally against the naive reference tree. */
class TileBuilderTest {
  private static final int MAX = 70_000;
  private static final NaiveTree TREE = NaiveTree.ofSize(MAX);

  @Test
  void everyTileHoldsTheReferenceHashes() {
    MemoryTiles tiles = MemoryTiles.build(TREE, MAX);
    Set<String> expected = TileLayout.added(0, MAX).stream()
        .filter(t -> t instanceof HashTile).map(TilePath::path).collect(Collectors.toSet());
    assertThat(tiles.all().keySet()).isEqualTo(expected);
    tiles.all().forEach((path, data) -> {
      HashTile t = (HashTile) TilePath.parse(path);
      assertThat(data).hasSize(t.width() * Hash.SIZE);
      for (int i = 0; i < t.width(); i++) {
        long index = t.index() * 256 + i;
        assertThat(Hash.copyOf(data, i * Hash.SIZE)).as(path + " hash " + i)
            .isEqualTo(TREE.read(8 * t.level(), index));
      }
    });
  }

  @Property(tries = 200)
  void tilesHashToTheReferenceRootAndServeEverySubtree(
      @ForAll @IntRange(min = 0, max = MAX) int size,
      @ForAll @IntRange(min = 0, max = 62) int level,
      @ForAll @IntRange(min = 0, max = MAX) int index) throws IOException {
    MemoryTiles tiles = MemoryTiles.build(TREE, size);
    TileHashReader reader = new TileHashReader(size, tiles);
    assertThat(Proofs.treeHash(reader, size)).isEqualTo(TREE.root(size));
    if (level < 17 && ((long) index + 1 << level) <= size) {
      assertThat(reader.read(level, index)).isEqualTo(TREE.read(level, index));
    } else {
      assertThatThrownBy(() -> reader.read(level, index))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Property(tries = 100)
  void restoredBuilderContinuesWithTheSameTiles(
      @ForAll @IntRange(min = 0, max = 3000) int size,
      @ForAll @IntRange(min = 0, max = 3000) int more) throws IOException {
    MemoryTiles tiles = MemoryTiles.build(TREE, size);
    TileBuilder b = TileBuilder.restore(size, tiles);
    assertThat(b.size()).isEqualTo(size);
    assertThat(b.root()).isEqualTo(TREE.root(size));
    for (int i = size; i < size + more; i++) {
      b.append(TREE.leafHash(i), 0, tiles::put);
    }
    for (TileBuilder.TileData t : b.partialTiles(size)) {
      tiles.put(t.tile(), t.data());
    }
    assertThat(b.root()).isEqualTo(TREE.root(size + more));
    MemoryTiles fresh = MemoryTiles.build(TREE, size + more);
    // Every tile of the grown tree is what a fresh build writes (stale partials aside).
    for (TilePath t : TileLayout.added(0, size + more)) {
      if (t instanceof HashTile h) {
        assertThat(tiles.all().get(h.path())).as(h.path()).isEqualTo(fresh.all().get(h.path()));
      }
    }
  }

  @Test
  void partialTilesSinceReportOnlyLevelsThatGrew() {
    TileBuilder b = TileBuilder.empty();
    Set<String> full = new HashSet<>();
    for (int i = 0; i < 65_536 + 3; i++) {
      b.append(TREE.leafHash(i), 0, (t, d) -> full.add(t.path()));
    }
    assertThat(full).contains("tile/0/255", "tile/1/000").hasSize(256 + 1);
    assertThat(b.partialTiles(0).stream().map(t -> t.tile().path()))
        .containsExactly("tile/0/256.p/3", "tile/2/000.p/1");
    assertThat(b.partialTiles(65_536 + 1).stream().map(t -> t.tile().path()))
        .containsExactly("tile/0/256.p/3");
    TileBuilder.TileData p = b.partialTiles(0).get(0);
    assertThat(Arrays.copyOfRange(p.data(), 64, 96)).isEqualTo(TREE.leafHash(65_538));
  }

  @Test
  void readerRejectsTilesOfTheWrongLength() {
    TileHashReader reader = new TileHashReader(10, tile -> new byte[9 * Hash.SIZE]);
    assertThatThrownBy(() -> reader.read(0, 3)).isInstanceOf(IOException.class)
        .hasMessageContaining("tile/0/000.p/10 has 288 bytes, expected 320");
    TileHashReader odd = new TileHashReader(10, tile -> new byte[10 * Hash.SIZE + 1]);
    assertThatThrownBy(() -> odd.read(0, 3)).isInstanceOf(IOException.class);
  }

  @Test
  void readerAcceptsAWiderVersionOfAPartialTile() throws IOException {
    MemoryTiles wide = MemoryTiles.build(TREE, 300);
    TileHashReader reader = new TileHashReader(100, tile -> wide.readTile(tile.withWidth(
        tile.level() == 0 ? 256 : tile.width())));
    assertThat(Proofs.treeHash(reader, 100)).isEqualTo(TREE.root(100));
  }
}
