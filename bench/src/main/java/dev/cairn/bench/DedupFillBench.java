package dev.cairn.bench;

import dev.cairn.log.storage.embedded.DedupIndex;
import dev.cairn.log.storage.embedded.HashDedupIndex;
import dev.cairn.merkle.Hash;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Filling an empty {@link HashDedupIndex} with {@code keys} random keys, 4,000 a batch (a
 * lookup, then the add, as the sequencer does): the cost of every doubling on the way, those of
 * large partitions made on their own thread while this one goes on adding. The index is opened
 * before and closed after each timed fill, so its final sync is not timed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class DedupFillBench {
  private static final int BATCH = 4_000;

  @Param({"12000000"})
  long keys;

  private Path dir;
  private HashDedupIndex index;

  @Setup(Level.Iteration)
  public void open() throws IOException {
    dir = Files.createTempDirectory("cairn-dedup-fill-");
    index = HashDedupIndex.open(dir);
  }

  @TearDown(Level.Iteration)
  public void close() throws IOException {
    index.close();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Benchmark
  public long fill() throws IOException {
    Random random = new Random(7);
    byte[] batch = new byte[BATCH * Hash.SIZE];
    long[] found = new long[BATCH];
    for (long next = 0; next < keys; ) {
      random.nextBytes(batch);
      index.lookup(batch, BATCH, found);
      List<DedupIndex.Mapping> ms = new ArrayList<>(BATCH);
      for (int i = 0; i < BATCH; i++) {
        ms.add(new DedupIndex.Mapping(Hash.copyOf(batch, i * Hash.SIZE), next++));
      }
      index.add(ms, next);
    }
    return index.watermark();
  }
}
