package dev.cairn.bench;

import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import dev.cairn.merkle.Proofs;
import dev.cairn.merkle.RightEdge;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TileHashReader;
import dev.cairn.tile.TileLayout;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The root of a 1,000,000-leaf tree from its tiles, two ways.
 *
 * <ul>
 *   <li>{@code replayRoot} (milliseconds per root): an auditor's full recomputation. Reads every
 *       level-0 tile and appends each of its hashes to a fresh {@link RightEdge}, then takes the
 *       root: {@code n - 1} node hashes. The baseline does {@code n - 1} bare 65-byte hashes.
 *   <li>{@code treeHash} (microseconds per root): {@link Proofs#treeHash} over a new {@link
 *       TileHashReader}, reading one stored hash per set bit of the size. The baseline does the
 *       same number of node hashes (counted once in setup: tile rebuilds plus the fold).
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@Fork(3)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TreeHashBench {
  private MemoryLog log;
  private Hasher hasher;
  private BareSha256 bare;
  private long treeHashWork;

  @Setup
  public void setup() throws IOException {
    log = MemoryLog.build(MemoryLog.MILLION);
    hasher = new Hasher();
    bare = new BareSha256();
    Hash replayed = replay();
    if (!replayed.equals(log.root)) {
      throw new IllegalStateException("replayed root " + replayed + ", expected " + log.root);
    }
    var counter = new MemoryLog.CountingReader(new TileHashReader(log.size, log));
    Hash fromTiles = Proofs.treeHash(counter, log.size);
    if (!fromTiles.equals(log.root)) {
      throw new IllegalStateException("tree hash " + fromTiles + ", expected " + log.root);
    }
    treeHashWork = counter.nodeHashes(1);
  }

  private Hash replay() throws IOException {
    RightEdge edge = new RightEdge(hasher);
    long tiles = (log.size + 255) >>> 8;
    for (long t = 0; t < tiles; t++) {
      HashTile tile = TileLayout.tileFor(0, t << 8, log.size);
      byte[] data = log.readTile(tile);
      for (int k = 0; k < tile.width(); k++) {
        edge.append(data, k * 32, null);
      }
    }
    return edge.root();
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public void replayRoot(Blackhole bh) throws IOException {
    bh.consume(replay());
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public void replayRootBaseline(Blackhole bh) {
    bh.consume(bare.nodes(log.size - 1));
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public void treeHash(Blackhole bh) throws IOException {
    bh.consume(Proofs.treeHash(new TileHashReader(log.size, log), log.size));
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public void treeHashBaseline(Blackhole bh) {
    bh.consume(bare.nodes(treeHashWork));
  }
}
