package dev.cairn.bench;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import dev.cairn.note.NoteSigner;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifierSet;
import java.util.List;
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
 * Signing and opening a checkpoint note, in microseconds per note. {@code sign*} signs the
 * checkpoint text with one Ed25519 (type 0x01) or ML-DSA-44 ({@code subtree/v1}, type 0x06)
 * signer. {@code open*} parses a note carrying both signatures and opens it with a verifier set
 * trusting one of the two keys, so exactly one signature is checked and the other is skipped as
 * unknown. {@code parse} is the parse alone, the part of {@code open*} that is not signature
 * verification. There is no SHA-256 baseline: the signature schemes' own cost dominates.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(3)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class NoteBench {
  static final String LOG = "bench.cairn.dev/log";

  private String text;
  private NoteSigner ed25519;
  private NoteSigner mlDsa44;
  private byte[] bothSigned;
  private VerifierSet ed25519Only;
  private VerifierSet mlDsa44Only;

  @Setup
  public void setup() {
    Random r = new Random(6);
    byte[] root = new byte[32];
    r.nextBytes(root);
    text = new Checkpoint(LOG, MemoryLog.MILLION, Hash.of(root)).format();
    SignerKey edKey = key(SignatureType.ED25519, r);
    SignerKey pqKey = key(SignatureType.MLDSA44_SUBTREE_V1, r);
    ed25519 = edKey.signer();
    mlDsa44 = pqKey.signer();
    bothSigned = SignedNote.sign(text, List.of(ed25519, mlDsa44)).encode();
    ed25519Only = VerifierSet.of(edKey.verifierKey().verifier());
    mlDsa44Only = VerifierSet.of(pqKey.verifierKey().verifier());
    for (VerifierSet set : List.of(ed25519Only, mlDsa44Only)) {
      var opened = SignedNote.parse(bothSigned).open(set);
      if (opened.verified().size() != 1) {
        throw new IllegalStateException("expected one verified signature, got " + opened);
      }
    }
  }

  private static SignerKey key(SignatureType type, Random r) {
    byte[] seed = new byte[SignerKey.SEED_SIZE];
    r.nextBytes(seed);
    return SignerKey.fromSeed(LOG, type, seed);
  }

  @Benchmark
  public void signEd25519(Blackhole bh) {
    bh.consume(SignedNote.sign(text, List.of(ed25519)));
  }

  @Benchmark
  public void signMlDsa44(Blackhole bh) {
    bh.consume(SignedNote.sign(text, List.of(mlDsa44)));
  }

  @Benchmark
  public void openEd25519(Blackhole bh) {
    bh.consume(SignedNote.parse(bothSigned).open(ed25519Only));
  }

  @Benchmark
  public void openMlDsa44(Blackhole bh) {
    bh.consume(SignedNote.parse(bothSigned).open(mlDsa44Only));
  }

  @Benchmark
  public void parse(Blackhole bh) {
    bh.consume(SignedNote.parse(bothSigned));
  }
}
