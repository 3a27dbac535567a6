package dev.cairn.log.http;

import dev.cairn.tile.Bundles;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TilePath;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Served tiles and bundles kept in memory, bounded by bytes: one copy per tile, at the widest
 * width read so far (a tile's hashes and a bundle's entries never change, so every narrower width
 * is a prefix of it), each width asked answered as a slice of that copy. Caching every width as
 * its own copy let a few hundred requests for the widths of one bundle of large entries exhaust
 * the heap.
 */
final class TileCache {
  private record Entry(int width, byte[] data) {}

  private final ConcurrentHashMap<TilePath, Entry> entries = new ConcurrentHashMap<>();
  private final AtomicLong bytes = new AtomicLong();
  private final long budget;

  /** A cache of at most about {@code budget} bytes of objects. */
  TileCache(long budget) {
    this.budget = budget;
  }

  /** The bytes of {@code asked}, if a copy at its width or a wider one is cached. */
  ByteBuffer get(TilePath asked) {
    Entry e = entries.get(asked.withWidth(TilePath.FULL_WIDTH));
    return e == null || e.width() < asked.width() ? null : cut(asked, e.data());
  }

  /**
   * Keeps {@code data}, the object of {@code tile} at its width, unless a wider copy is cached or
   * it is larger than half the budget; then evicts until the cache is within budget.
   */
  void put(TilePath tile, byte[] data) {
    if (data.length > budget / 2) {
      return;
    }
    Entry fresh = new Entry(tile.width(), data);
    Entry[] replaced = new Entry[1];
    Entry kept = entries.merge(tile.withWidth(TilePath.FULL_WIDTH), fresh, (old, now) -> {
      if (old.width() >= now.width()) {
        return old;
      }
      replaced[0] = old;
      return now;
    });
    if (kept != fresh) {
      return;
    }
    long total = bytes.addAndGet(data.length
        - (replaced[0] == null ? 0 : replaced[0].data().length));
    if (total > budget) {
      evict();
    }
  }

  /** Bytes held now. */
  long bytes() {
    return bytes.get();
  }

  /** Drops entries (in no particular order) until the cache holds at most 7/8 of its budget. */
  private void evict() {
    Iterator<TilePath> it = entries.keySet().iterator();
    while (bytes.get() > budget - budget / 8 && it.hasNext()) {
      Entry gone = entries.remove(it.next());
      if (gone != null) {
        bytes.addAndGet(-gone.data().length);
      }
    }
  }

  /** The first {@code asked.width()} hashes or entries of {@code data}, without a copy. */
  static ByteBuffer cut(TilePath asked, byte[] data) {
    int length = asked instanceof HashTile ? asked.width() * 32
        : Bundles.prefixLength(data, asked.width());
    return ByteBuffer.wrap(data, 0, length).slice();
  }
}
