package dev.cairn.bench;

import dev.cairn.merkle.Hasher;
import dev.cairn.merkle.RightEdge;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@link RightEdge#append(byte[], int, RightEdge.NodeSink)} of precomputed leaf hashes, in
 * nanoseconds per appended leaf.
 *
 * <p>Appending leaf number {@code i} hashes one node per trailing one bit of {@code i}: after
 * {@code n} appends the edge has done {@code n - bitCount(n)} node hashes, one per leaf on
 * average (the leaf hash itself is the caller's, measured by {@link LeafHashBench}). The edge
 * keeps growing across invocations, so each batch of {@value #BATCH} appends averages {@value
 * #BATCH} node hashes; the baseline does exactly {@value #BATCH} bare 65-byte hashes per batch.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(3)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class RightEdgeBench {
  static final int BATCH = 1024;

  private final byte[] leaves = new byte[BATCH * 32];
  private RightEdge edge;
  private BareSha256 bare;

  @Setup
  public void setup() {
    new Random(3).nextBytes(leaves);
    edge = new RightEdge(new Hasher());
    bare = new BareSha256();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void append(Blackhole bh) {
    for (int i = 0; i < BATCH; i++) {
      edge.append(leaves, i * 32, null);
    }
    bh.consume(edge.size());
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void appendBaseline(Blackhole bh) {
    bh.consume(bare.nodes(BATCH));
  }
}
