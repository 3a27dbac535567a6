package dev.cairn.tile;

/**
 * A hash tile: {@code width} consecutive hashes at tree level {@code 8 * level}, starting at hash
 * {@code index * 256} of that tree level. Stored and served as the concatenated 32-byte hashes
 * ({@code width * 32} bytes; a full tile is 8,192 bytes).
 *
 * @param level the tile level, 0 to 63
 * @param index the tile index within the level, non-negative
 * @param width the number of hashes, 1 to 256
 */
public record HashTile(int level, long index, int width) implements TilePath {
  /** The highest tile level the spec allows. */
  public static final int MAX_LEVEL = 63;

  /** Checks the ranges. */
  public HashTile {
    if (level < 0 || level > MAX_LEVEL) {
      throw new IllegalArgumentException("tile level must be 0 to 63, got " + level);
    }
    TilePaths.checkIndexAndWidth(index, width);
  }

  /** The full tile at {@code level} and {@code index}. */
  public static HashTile full(int level, long index) {
    return new HashTile(level, index, FULL_WIDTH);
  }

  @Override
  public String path() {
    return TilePaths.format(this);
  }

  /** The same tile at another width. */
  public HashTile withWidth(int newWidth) {
    return new HashTile(level, index, newWidth);
  }
}
