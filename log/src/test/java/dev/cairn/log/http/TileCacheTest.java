package dev.cairn.log.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.log.LogConfig;
import dev.cairn.log.TransparencyLog;
import dev.cairn.log.testing.LogClient;
import dev.cairn.tile.Bundles;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The served-tile cache holds one copy per tile and stays within its byte budget. */
class TileCacheTest {
  private static final Pattern CACHE_BYTES =
      Pattern.compile("(?m)^cairn_tile_cache_bytes ([0-9.eE+]+)$");

  /**
   * The attack of the security review: a request for every width of one bundle of large entries.
   * Each width was cached as its own copy (200 widths of 60 KiB entries: ~1.2 GB); now the bundle
   * is kept once and each width is a slice of it.
   */
  @Test
  void everyWidthOfABundleOfLargeEntriesIsServedFromOneCopy(@TempDir Path dir) throws Exception {
    int count = 200;
    List<byte[]> entries = new ArrayList<>();
    try (TransparencyLog log = TransparencyLog.open(LogConfig.defaults(dir));
        LogServer server = LogServer.start(log, HttpConfig.defaults("127.0.0.1", 0))) {
      LogClient client = new LogClient(server.port());
      for (int i = 0; i < count; i += 20) {
        List<byte[]> batch = new ArrayList<>();
        for (int j = i; j < i + 20; j++) {
          byte[] e = new byte[60 * 1024];
          Arrays.fill(e, (byte) j);
          e[0] = (byte) (j >> 8);
          batch.add(e);
        }
        HttpResponse<byte[]> r = client.post("/add-batch", Bundles.encode(batch));
        assertThat(r.statusCode()).as(new String(r.body(), UTF_8)).isEqualTo(200);
        entries.addAll(batch);
      }
      log.publisher().publish();

      for (int w = 1; w <= count; w++) {
        HttpResponse<byte[]> r = client.get("/" + new EntryBundle(0, w).path());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).as("width %d", w).isEqualTo(Bundles.encode(entries.subList(0, w)));
        assertThat(r.headers().firstValueAsLong("Content-Length")).hasValue(r.body().length);
      }
      long oneCopy = Bundles.encode(entries).length;
      assertThat(cacheBytes(client)).as("one copy of the bundle, at its widest")
          .isEqualTo(oneCopy);
      // Hash tiles alike, and a width asked again is still the same slice.
      for (int w = 1; w <= count; w++) {
        assertThat(client.get("/" + new HashTile(0, 0, w).path()).body()).hasSize(w * 32);
      }
      assertThat(client.get("/" + new EntryBundle(0, 7).path()).body())
          .isEqualTo(Bundles.encode(entries.subList(0, 7)));
      assertThat(cacheBytes(client)).isEqualTo(oneCopy + count * 32);
    }
  }

  private static long cacheBytes(LogClient client) {
    Matcher m = CACHE_BYTES.matcher(new String(client.get("/metrics").body(), UTF_8));
    assertThat(m.find()).as("cairn_tile_cache_bytes in /metrics").isTrue();
    return (long) Double.parseDouble(m.group(1));
  }

  @Nested
  class Budget {
    private static byte[] tile(int fill) {
      byte[] b = new byte[8192];
      Arrays.fill(b, (byte) fill);
      return b;
    }

    @Test
    void fullTilesBeyondTheBudgetEvictOthers() {
      TileCache cache = new TileCache(10 * 8192);
      for (int i = 0; i < 100; i++) {
        cache.put(HashTile.full(0, i), tile(i));
        assertThat(cache.bytes()).isLessThanOrEqualTo(10 * 8192);
      }
      assertThat(cache.get(HashTile.full(0, 99))).as("the newest is kept")
          .isEqualTo(ByteBuffer.wrap(tile(99)));
    }

    @Test
    void aWiderCopyReplacesANarrowerOneAndNeverTheOtherWayRound() {
      TileCache cache = new TileCache(1 << 20);
      byte[] full = tile(5);
      cache.put(new HashTile(0, 3, 10), Arrays.copyOf(full, 320));
      assertThat(cache.get(new HashTile(0, 3, 11))).as("wider than cached").isNull();
      assertThat(cache.get(new HashTile(0, 3, 4)).remaining()).isEqualTo(128);
      cache.put(HashTile.full(0, 3), full);
      cache.put(new HashTile(0, 3, 2), Arrays.copyOf(full, 64));
      assertThat(cache.bytes()).isEqualTo(8192);
      assertThat(cache.get(new HashTile(0, 3, 200)).remaining()).isEqualTo(200 * 32);
      assertThat(cache.get(new EntryBundle(3, 1))).as("a bundle is another object").isNull();
    }

    @Test
    void anObjectOverHalfTheBudgetIsServedButNotKept() {
      TileCache cache = new TileCache(8192);
      cache.put(HashTile.full(0, 0), tile(1));
      assertThat(cache.bytes()).isZero();
      assertThat(cache.get(HashTile.full(0, 0))).isNull();
    }
  }
}
