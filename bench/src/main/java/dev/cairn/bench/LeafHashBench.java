package dev.cairn.bench;

import dev.cairn.merkle.Hasher;
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
 * One RFC 9162 leaf hash, {@code SHA-256(0x00 || entry)}, in nanoseconds per hash: {@link
 * Hasher#leafInto} against a bare digest of the same bytes already laid out contiguously.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(3)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class LeafHashBench {
  @Param({"64", "256", "1024"})
  int entrySize;

  private byte[] entry;
  /** {@code 0x00 || entry}, for the baseline. */
  private byte[] prefixed;
  private final byte[] out = new byte[32];
  private Hasher hasher;
  private BareSha256 bare;

  @Setup
  public void setup() {
    entry = new byte[entrySize];
    new Random(1).nextBytes(entry);
    prefixed = new byte[1 + entrySize];
    System.arraycopy(entry, 0, prefixed, 1, entrySize);
    hasher = new Hasher();
    bare = new BareSha256();
  }

  @Benchmark
  public void leafInto(Blackhole bh) {
    hasher.leafInto(entry, 0, entry.length, out, 0);
    bh.consume(out);
  }

  @Benchmark
  public void leafIntoBaseline(Blackhole bh) {
    bare.hash(prefixed, 0, prefixed.length, out, 0);
    bh.consume(out);
  }
}
