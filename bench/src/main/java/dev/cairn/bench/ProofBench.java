package dev.cairn.bench;

import dev.cairn.merkle.Hash;
import dev.cairn.merkle.ProofVerifier;
import dev.cairn.merkle.Proofs;
import dev.cairn.tile.TileHashReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
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
 * Inclusion and consistency proofs in a 1,000,000-leaf log, in microseconds per proof: generated
 * with {@link Proofs} over a new {@link TileHashReader} on in-memory tiles, and verified with
 * {@link ProofVerifier}.
 *
 * <p>Each operation takes the next of {@value #CASES} fixed random cases: a leaf index for
 * inclusion, an old size in {@code [1, n)} for consistency to {@code n}. Each baseline does, for
 * the same case, the node hashes the path must do, counted in setup: for generation the tile
 * rebuilds and range folds (about 500 for an inclusion proof, since a hash at tree level {@code
 * 8L + k} is rebuilt from {@code 2^k} tile hashes), for verification one per proof hash
 * (inclusion) or one or two per proof hash (consistency, RFC 9162 §2.1.4.2).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(3)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ProofBench {
  static final int CASES = 1024;

  private MemoryLog log;
  private BareSha256 bare;

  private final long[] index = new long[CASES];
  private final Hash[] leaf = new Hash[CASES];
  private final List<List<Hash>> inclusion = new ArrayList<>(CASES);
  private final long[] inclusionWork = new long[CASES];

  private final long[] oldSize = new long[CASES];
  private final Hash[] oldRoot = new Hash[CASES];
  private final List<List<Hash>> consistency = new ArrayList<>(CASES);
  private final long[] consistencyWork = new long[CASES];
  private final long[] consistencyVerifyWork = new long[CASES];

  private int next;

  @Setup
  public void setup() throws IOException {
    log = MemoryLog.build(MemoryLog.MILLION);
    bare = new BareSha256();
    long n = log.size;
    SplittableRandom random = new SplittableRandom(5);
    for (int i = 0; i < CASES; i++) {
      index[i] = random.nextLong(n);
      leaf[i] = log.leafHash(index[i]);
      var c = new MemoryLog.CountingReader(new TileHashReader(n, log));
      inclusion.add(Proofs.inclusion(c, index[i], n));
      inclusionWork[i] = c.nodeHashes(inclusion.get(i).size());
      ProofVerifier.verifyInclusion(leaf[i], index[i], n, inclusion.get(i), log.root);

      oldSize[i] = 1 + random.nextLong(n - 1);
      oldRoot[i] = Proofs.treeHash(new TileHashReader(oldSize[i], log), oldSize[i]);
      c = new MemoryLog.CountingReader(new TileHashReader(n, log));
      consistency.add(Proofs.consistency(c, oldSize[i], n));
      consistencyWork[i] = c.nodeHashes(consistency.get(i).size());
      consistencyVerifyWork[i] = consistencyVerifyHashes(oldSize[i], n, consistency.get(i).size());
      ProofVerifier.verifyConsistency(oldSize[i], n, consistency.get(i), oldRoot[i], log.root);
    }
  }

  /**
   * The node hashes {@link ProofVerifier#verifyConsistency} does for a proof of {@code proofSize}
   * hashes between different sizes: the walk of RFC 9162 §2.1.4.2, counting instead of hashing.
   */
  static long consistencyVerifyHashes(long oldSize, long newSize, int proofSize) {
    int i = Long.bitCount(oldSize) == 1 ? 0 : 1;
    long fn = oldSize - 1;
    long sn = newSize - 1;
    while ((fn & 1) == 1) {
      fn >>>= 1;
      sn >>>= 1;
    }
    long hashes = 0;
    for (; i < proofSize; i++) {
      if ((fn & 1) == 1 || fn == sn) {
        hashes += 2;
        while ((fn & 1) == 0 && fn != 0) {
          fn >>>= 1;
          sn >>>= 1;
        }
      } else {
        hashes += 1;
      }
      fn >>>= 1;
      sn >>>= 1;
    }
    return hashes;
  }

  private int nextCase() {
    return next++ & (CASES - 1);
  }

  @Benchmark
  public void inclusionProof(Blackhole bh) throws IOException {
    int i = nextCase();
    bh.consume(Proofs.inclusion(new TileHashReader(log.size, log), index[i], log.size));
  }

  @Benchmark
  public void inclusionProofBaseline(Blackhole bh) {
    bh.consume(bare.nodes(inclusionWork[nextCase()]));
  }

  @Benchmark
  public void consistencyProof(Blackhole bh) throws IOException {
    int i = nextCase();
    bh.consume(Proofs.consistency(new TileHashReader(log.size, log), oldSize[i], log.size));
  }

  @Benchmark
  public void consistencyProofBaseline(Blackhole bh) {
    bh.consume(bare.nodes(consistencyWork[nextCase()]));
  }

  @Benchmark
  public void verifyInclusion() {
    int i = nextCase();
    ProofVerifier.verifyInclusion(leaf[i], index[i], log.size, inclusion.get(i), log.root);
  }

  @Benchmark
  public void verifyInclusionBaseline(Blackhole bh) {
    bh.consume(bare.nodes(inclusion.get(nextCase()).size()));
  }

  @Benchmark
  public void verifyConsistency() {
    int i = nextCase();
    ProofVerifier.verifyConsistency(oldSize[i], log.size, consistency.get(i), oldRoot[i], log.root);
  }

  @Benchmark
  public void verifyConsistencyBaseline(Blackhole bh) {
    bh.consume(bare.nodes(consistencyVerifyWork[nextCase()]));
  }
}
