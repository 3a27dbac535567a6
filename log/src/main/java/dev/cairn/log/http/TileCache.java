package dev.cairn.log.http;

import dev.cairn.tile.Bundles;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TilePath;
import java.nio.ByteBuffer;

/**
 * Served tiles and bundles kept in memory, bounded by bytes: one copy per tile, at the widest
 * width read so far (a tile's hashes and a bundle's entries never change, so every narrower width
 * is a prefix of it), each width asked answered as a slice of that copy. Caching every width as
 * its own copy let a few hundred requests for the widths of one bundle of large entries exhaust
 * the heap.
 */
final class TileCache {
  private record Entry(int width, byte[] data) {}

  private final ByteCache<TilePath, Entry> entries;

  /** A cache of at most about {@code budget} bytes of objects. */
  TileCache(long budget) {
    this.entries = new ByteCache<>(budget, e -> e.data().length);
  }

  /** The bytes of {@code asked}, if a copy at its width or a wider one is cached. */
  ByteBuffer get(TilePath asked) {
    Entry e = entries.get(asked.withWidth(TilePath.FULL_WIDTH));
    return e == null || e.width() < asked.width() ? null : cut(asked, e.data());
  }

  /**
   * Keeps {@code data}, the object of {@code tile} at its width, unless a copy at least as wide
   * is kept already or it is larger than half the budget.
   */
  void put(TilePath tile, byte[] data) {
    entries.put(tile.withWidth(TilePath.FULL_WIDTH), new Entry(tile.width(), data),
        (kept, fresh) -> fresh.width() > kept.width() ? fresh : kept);
  }

  /** Bytes held now. */
  long bytes() {
    return entries.bytes();
  }

  /** The first {@code asked.width()} hashes or entries of {@code data}, without a copy. */
  static ByteBuffer cut(TilePath asked, byte[] data) {
    int length = asked instanceof HashTile ? asked.width() * 32
        : Bundles.prefixLength(data, asked.width());
    return ByteBuffer.wrap(data, 0, length).slice();
  }
}
