package dev.cairn.log.http;

import dev.cairn.log.publishing.Publisher;
import dev.cairn.read.LogReader;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TileLayout;
import dev.cairn.tile.TilePath;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * The C2SP tlog-tiles reads: the latest checkpoint, and tiles and bundles within it. A tile or
 * bundle beyond the latest checkpoint is not served, so what a cache keeps forever is always part
 * of a published tree. Served tiles are kept in memory by their path (a path's bytes never
 * change), so hot tiles are answered without touching storage.
 */
final class ReadRoutes {
  static final String IMMUTABLE = "public, max-age=31536000, immutable";
  static final String CHECKPOINT_CACHE = "public, max-age=2";
  private static final int CACHED_TILES = 4096;

  private final Publisher publisher;
  private final LogReader tiles;
  private final ConcurrentHashMap<String, byte[]> cache = new ConcurrentHashMap<>();

  ReadRoutes(Publisher publisher, LogReader tiles) {
    this.publisher = publisher;
    this.tiles = tiles;
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
    String key = tile.path();
    byte[] cached = cache.get(key);
    if (cached != null) {
      x.send(200, "application/octet-stream", IMMUTABLE, cached);
      return;
    }
    blocking.execute(() -> {
      try {
        byte[] data = tile instanceof HashTile h ? tiles.readTile(h)
            : tiles.readBundle((EntryBundle) tile);
        remember(key, data);
        x.send(200, "application/octet-stream", IMMUTABLE, data);
      } catch (Throwable t) {
        x.fail(t);
      }
    });
  }

  private void remember(String path, byte[] data) {
    if (cache.size() >= CACHED_TILES) {
      Iterator<String> it = cache.keySet().iterator();
      for (int i = 0; i < CACHED_TILES / 8 && it.hasNext(); i++) {
        it.next();
        it.remove();
      }
    }
    cache.put(path, data);
  }
}
