package dev.cairn.log.http;

import dev.cairn.log.publishing.Checkpoints;
import dev.cairn.log.publishing.Publisher;
import dev.cairn.read.LogReader;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TileLayout;
import dev.cairn.tile.TilePath;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;

/**
 * The C2SP tlog-tiles reads: the latest checkpoint, and tiles and bundles within it. A tile or
 * bundle beyond the latest checkpoint is not served, so what a cache keeps forever is always part
 * of a published tree. Served tiles are kept in memory ({@link TileCache}, bounded by bytes), so
 * hot tiles are answered without touching storage.
 */
final class ReadRoutes {
  static final String IMMUTABLE = "public, max-age=31536000, immutable";
  static final String CHECKPOINT_CACHE = "public, max-age=2";
  /** Memory for served tiles and bundles: 8,192 full tiles, or 4 bundles of 64 KiB entries. */
  static final long CACHE_BYTES = 64L << 20;

  private final Checkpoints publisher;
  private final LogReader tiles;
  private final TileCache cache;

  ReadRoutes(Checkpoints publisher, LogReader tiles, long cacheBytes) {
    this.publisher = publisher;
    this.tiles = tiles;
    this.cache = new TileCache(cacheBytes);
  }

  void checkpoint(Exchange x) {
    x.send(200, "text/plain; charset=utf-8", CHECKPOINT_CACHE, publisher.latest().note());
  }

  void tile(Exchange x, String path, Executor blocking) {
    TilePath tile;
    try {
      tile = TilePath.parse(path);
    } catch (IllegalArgumentException e) {
      throw HttpError.badRequest(e.getMessage());
    }
    long published = publisher.latest().checkpoint().size();
    long available = tile instanceof HashTile h
        ? TileLayout.hashesAtLevel(h.level(), published) : published;
    if (tile.index() > (available - tile.width()) / TilePath.FULL_WIDTH
        || tile.index() * TilePath.FULL_WIDTH + tile.width() > available) {
      throw HttpError.notFound(tile.path() + " is not in the latest checkpoint (size "
          + published + ")");
    }
    ByteBuffer cached = cache.get(tile);
    if (cached != null) {
      x.send(200, "application/octet-stream", IMMUTABLE, cached);
      return;
    }
    // Read (and keep) the tile as wide as the checkpoint has it: every narrower width asked
    // later is then a slice of the one copy.
    int width = (int) Math.min(TilePath.FULL_WIDTH,
        available - tile.index() * TilePath.FULL_WIDTH);
    TilePath widest = width == tile.width() ? tile : tile.withWidth(width);
    blocking.execute(() -> {
      try (LogContext c = x.logContext()) {
        byte[] data = widest instanceof HashTile h ? tiles.readTile(h)
            : tiles.readBundle((EntryBundle) widest);
        cache.put(widest, data);
        x.send(200, "application/octet-stream", IMMUTABLE, TileCache.cut(tile, data));
      } catch (Throwable t) {
        x.fail(t);
      }
    });
  }

  /** Bytes of tiles and bundles held in memory. */
  long cachedBytes() {
    return cache.bytes();
  }
}
