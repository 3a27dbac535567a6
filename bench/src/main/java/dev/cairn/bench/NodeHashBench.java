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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One RFC 9162 node hash, {@code SHA-256(0x01 || left || right)}, in nanoseconds per hash:
 * {@link Hasher#nodeInto} with the children in two arrays (as the right edge has them) against a
 * bare digest of the same 65 bytes laid out contiguously.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(3)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class NodeHashBench {
  private final byte[] left = new byte[32];
  private final byte[] right = new byte[32];
  /** {@code 0x01 || left || right}, for the baseline. */
  private final byte[] input = new byte[65];
  private final byte[] out = new byte[32];
  private Hasher hasher;
  private BareSha256 bare;

  @Setup
  public void setup() {
    Random r = new Random(2);
    r.nextBytes(left);
    r.nextBytes(right);
    input[0] = 0x01;
    System.arraycopy(left, 0, input, 1, 32);
    System.arraycopy(right, 0, input, 33, 32);
    hasher = new Hasher();
    bare = new BareSha256();
  }

  @Benchmark
  public void nodeInto(Blackhole bh) {
    hasher.nodeInto(left, 0, right, 0, out, 0);
    bh.consume(out);
  }

  @Benchmark
  public void nodeIntoBaseline(Blackhole bh) {
    bare.hash(input, 0, input.length, out, 0);
    bh.consume(out);
  }
}
