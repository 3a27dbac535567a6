package dev.cairn.bench;

import dev.cairn.merkle.Hasher;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TileBuilder;
import dev.cairn.tile.TileLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Every hash tile of a 1,000,000-entry log built from its entries on one thread, in milliseconds
 * per whole build (the goal is under 1,000 ms): leaf-hash each entry with {@link
 * Hasher#leafInto}, append it to a {@link TileBuilder}, keep each full tile, then take the partial
 * tiles.
 *
 * <p>That is {@code n} leaf hashes and {@code n - bitCount(n)} node hashes; the baseline does
 * exactly those with a bare digest. Entries sit in one array, each behind a {@code 0x00} byte so
 * the baseline hashes {@code 0x00 || entry} in place while the builder hashes the entry alone.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(3)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TileBuildBench {
  static final int ENTRIES = MemoryLog.MILLION;

  @Param({"64"})
  int entrySize;

  private int stride;
  /** Entry {@code i} is {@code entrySize} bytes at {@code i * stride + 1}, after a zero byte. */
  private byte[] entries;
  private final byte[] leaf = new byte[32];
  private Hasher hasher;
  private BareSha256 bare;
  private int expectedTiles;

  @Setup
  public void setup() {
    stride = 1 + entrySize;
    entries = new byte[ENTRIES * stride];
    Random r = new Random(4);
    byte[] entry = new byte[entrySize];
    for (int i = 0; i < ENTRIES; i++) {
      r.nextBytes(entry);
      System.arraycopy(entry, 0, entries, i * stride + 1, entrySize);
    }
    hasher = new Hasher();
    bare = new BareSha256();
    expectedTiles = (int) TileLayout.added(0, ENTRIES).stream()
        .filter(p -> p instanceof HashTile).count();
    int built = build().size();
    if (built != expectedTiles) {
      throw new IllegalStateException("built " + built + " tiles, expected " + expectedTiles);
    }
  }

  private List<TileBuilder.TileData> build() {
    TileBuilder builder = TileBuilder.empty();
    List<TileBuilder.TileData> tiles = new ArrayList<>(expectedTiles);
    TileBuilder.Sink sink = (tile, data) -> tiles.add(new TileBuilder.TileData(tile, data));
    for (int i = 0; i < ENTRIES; i++) {
      hasher.leafInto(entries, i * stride + 1, entrySize, leaf, 0);
      builder.append(leaf, 0, sink);
    }
    tiles.addAll(builder.partialTiles(0));
    return tiles;
  }

  @Benchmark
  public void buildTiles(Blackhole bh) {
    bh.consume(build());
  }

  @Benchmark
  public void buildTilesBaseline(Blackhole bh) {
    for (int i = 0; i < ENTRIES; i++) {
      bare.hash(entries, i * stride, stride, leaf, 0);
    }
    bh.consume(leaf);
    bh.consume(bare.nodes(ENTRIES - Integer.bitCount(ENTRIES)));
  }
}
