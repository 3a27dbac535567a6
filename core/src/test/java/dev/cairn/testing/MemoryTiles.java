package dev.cairn.testing;

import dev.cairn.tile.HashTile;
import dev.cairn.tile.TileBuilder;
import dev.cairn.tile.TileReader;
import java.io.FileNotFoundException;
import java.util.HashMap;
import java.util.Map;

/** Tiles in a map, keyed by path; the {@link TileReader} tests use. */
public final class MemoryTiles implements TileReader {
  private final Map<String, byte[]> tiles = new HashMap<>();

  /** Builds the tiles of {@code tree}'s first {@code size} leaves with a {@link TileBuilder}. */
  public static MemoryTiles build(NaiveTree tree, int size) {
    MemoryTiles m = new MemoryTiles();
    TileBuilder b = TileBuilder.empty();
    for (int i = 0; i < size; i++) {
      b.append(tree.leafHash(i), 0, m::put);
    }
    for (TileBuilder.TileData t : b.partialTiles(0)) {
      m.put(t.tile(), t.data());
    }
    return m;
  }

  public void put(HashTile tile, byte[] data) {
    tiles.put(tile.path(), data);
  }

  public Map<String, byte[]> all() {
    return tiles;
  }

  @Override
  public byte[] readTile(HashTile tile) throws FileNotFoundException {
    byte[] d = tiles.get(tile.path());
    if (d == null) {
      d = tiles.get(tile.withWidth(256).path());
    }
    if (d == null) {
      throw new FileNotFoundException(tile.path());
    }
    return d;
  }
}
