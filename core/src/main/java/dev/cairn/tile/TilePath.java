package dev.cairn.tile;

/**
 * A resource of a tiled log below its prefix: a {@link HashTile} ({@code tile/<L>/<N>[.p/<W>]})
 * or an {@link EntryBundle} ({@code tile/entries/<N>[.p/<W>]}).
 */
public sealed interface TilePath permits HashTile, EntryBundle {
  /** A full tile or bundle holds this many hashes or entries. */
  int FULL_WIDTH = 256;

  /** The index of the tile within its level. */
  long index();

  /** The number of hashes or entries, 1 to 256. */
  int width();

  /** Whether this is a partial tile or bundle (width below 256). */
  default boolean isPartial() {
    return width() < FULL_WIDTH;
  }

  /** The same tile or bundle at another width, 1 to 256. */
  TilePath withWidth(int width);

  /** The canonical path, for example {@code tile/0/x001/234.p/5}. */
  String path();

  /**
   * Parses a canonical tile or bundle path (without prefix or leading slash).
   *
   * @throws IllegalArgumentException naming the offending part
   */
  static TilePath parse(String path) {
    return TilePaths.parse(path);
  }
}
