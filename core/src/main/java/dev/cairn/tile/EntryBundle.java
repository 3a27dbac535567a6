package dev.cairn.tile;

/**
 * An entry bundle: entries {@code index * 256} to {@code index * 256 + width - 1} of the log,
 * each preceded by its length as a big-endian uint16 (see {@link Bundles}).
 *
 * @param index the bundle index, non-negative
 * @param width the number of entries, 1 to 256
 */
public record EntryBundle(long index, int width) implements TilePath {
  /** Checks the ranges. */
  public EntryBundle {
    TilePaths.checkIndexAndWidth(index, width);
  }

  /** The full bundle at {@code index}. */
  public static EntryBundle full(long index) {
    return new EntryBundle(index, FULL_WIDTH);
  }

  @Override
  public String path() {
    return TilePaths.format(this);
  }

  /** The index of the first entry in this bundle. */
  public long firstEntry() {
    return index * FULL_WIDTH;
  }

  /** The same bundle at another width. */
  public EntryBundle withWidth(int newWidth) {
    return new EntryBundle(index, newWidth);
  }
}
