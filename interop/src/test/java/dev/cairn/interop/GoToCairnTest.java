package dev.cairn.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import dev.cairn.merkle.ProofException;
import dev.cairn.merkle.ProofVerifier;
import dev.cairn.merkle.Proofs;
import dev.cairn.note.NoteException;
import dev.cairn.note.NoteSignature;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifiedNote;
import dev.cairn.note.VerifierKey;
import dev.cairn.note.VerifierSet;
import dev.cairn.tile.Bundles;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TileBuilder;
import dev.cairn.tile.TileHashReader;
import dev.cairn.tile.TileLayout;
import dev.cairn.tile.TilePath;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cairn reads what Go's sumdb packages write: it verifies Go's signed note, re-signs it
 * byte-for-byte from Go's signer key, recomputes the root from Go's tiles, writes the same tiles
 * itself, and verifies (and builds identically) Go's inclusion and consistency proofs, rejecting
 * each after a one-bit flip.
 */
class GoToCairnTest {
  private static final Map<Long, GoLog> LOGS = new HashMap<>();

  @TempDir static Path tmp;
  private static Path golog;

  @BeforeAll
  static void buildGolog() {
    golog = GoTool.program("golog");
  }

  /** What golog printed and wrote for one tree size. */
  record GoLog(Path dir, String skey, String vkey, String text, long size, Hash root,
      byte[] note, List<Inclusion> inclusions, List<Consistency> consistencies) {}

  record Inclusion(long index, Hash recordHash, List<Hash> proof) {}

  record Consistency(long oldSize, Hash oldRoot, List<Hash> proof) {}

  /** Runs golog for {@code size} records once per JVM and parses its output. */
  static synchronized GoLog goLog(long size) throws IOException {
    GoLog cached = LOGS.get(size);
    if (cached != null) {
      return cached;
    }
    Path dir = tmp.resolve("go-" + size);
    GoTool.Result r = GoTool.run(golog, "-n", Long.toString(size), "-out", dir.toString());
    assertThat(r.exitCode()).as(r::describe).isZero();
    Map<String, String> single = new HashMap<>();
    List<Inclusion> inclusions = new ArrayList<>();
    List<Consistency> consistencies = new ArrayList<>();
    for (String line : r.stdout().split("\n")) {
      String[] f = line.split(" ");
      switch (f[0]) {
        case "inclusion" -> inclusions.add(new Inclusion(
            Long.parseLong(f[1]), Hash.fromBase64(f[2]), hashes(f, 3)));
        case "consistency" -> consistencies.add(new Consistency(
            Long.parseLong(f[1]), Hash.fromBase64(f[2]), hashes(f, 3)));
        default -> {
          assertThat(f).as("golog line %s", line).hasSize(2);
          single.put(f[0], f[1]);
        }
      }
    }
    assertThat(single).containsOnlyKeys("skey", "vkey", "text", "size", "root");
    assertThat(inclusions).isNotEmpty();
    assertThat(consistencies).isNotEmpty();
    GoLog log = new GoLog(dir, single.get("skey"), single.get("vkey"),
        new String(Base64.getDecoder().decode(single.get("text")), StandardCharsets.UTF_8),
        Long.parseLong(single.get("size")), Hash.fromBase64(single.get("root")),
        Files.readAllBytes(dir.resolve("checkpoint")), inclusions, consistencies);
    LOGS.put(size, log);
    return log;
  }

  /** Go's record {@code i}, as golog documents it. */
  private static byte[] record(long i) {
    return ("g".repeat((int) (i % 37)) + " record " + i).getBytes(StandardCharsets.UTF_8);
  }

  private static List<Hash> hashes(String[] fields, int from) {
    List<Hash> out = new ArrayList<>();
    for (int i = from; i < fields.length; i++) {
      out.add(Hash.fromBase64(fields[i]));
    }
    return out;
  }

  @Test
  void cairnOpensGoNote() throws IOException {
    GoLog go = goLog(1_000);
    VerifierKey key = VerifierKey.parse(go.vkey());

    VerifiedNote opened = SignedNote.parse(go.note()).open(VerifierSet.of(key.verifier()));

    assertThat(key.type()).isEqualTo(SignatureType.ED25519);
    assertThat(key.encode()).isEqualTo(go.vkey());
    assertThat(opened.text()).isEqualTo(go.text());
    assertThat(opened.verified()).singleElement()
        .satisfies(v -> assertThat(v.signature().isBy(key.name(), key.keyId())).isTrue());
    Checkpoint checkpoint = Checkpoint.parse(opened.text());
    assertThat(checkpoint.origin()).isEqualTo(key.name());
    assertThat(checkpoint.size()).isEqualTo(go.size());
    assertThat(checkpoint.root()).isEqualTo(go.root());
  }

  @Test
  void cairnRejectsGoNoteWithOneBitFlipped() throws IOException {
    GoLog go = goLog(1_000);
    SignedNote note = SignedNote.parse(go.note());
    NoteSignature sig = note.signatures().get(0);
    byte[] raw = sig.signature();
    raw[20] ^= 0x01;
    SignedNote tampered =
        note.withSignatures(List.of(new NoteSignature(sig.name(), sig.keyId(), raw)));
    VerifierSet trusted = VerifierSet.of(VerifierKey.parse(go.vkey()).verifier());

    assertThatThrownBy(() -> SignedNote.parse(tampered.encode()).open(trusted))
        .isInstanceOfSatisfying(NoteException.class,
            e -> assertThat(e.kind()).isEqualTo(NoteException.Kind.INVALID_SIGNATURE));
  }

  @Test
  void cairnResignsGoNoteByteForByte() throws IOException {
    GoLog go = goLog(1_000);

    SignerKey key = SignerKey.parse(go.skey());
    byte[] resigned = SignedNote.sign(go.text(), List.of(key.signer())).encode();

    assertThat(key.encode()).isEqualTo(go.skey());
    assertThat(key.verifierKey().encode()).isEqualTo(go.vkey());
    assertThat(new String(resigned, StandardCharsets.UTF_8))
        .isEqualTo(new String(go.note(), StandardCharsets.UTF_8));
    assertThat(resigned).isEqualTo(go.note());
  }

  @ParameterizedTest(name = "size {0}")
  @ValueSource(longs = {1, 2, 255, 256, 257, 1_000, 65_536 + 1_000})
  void cairnRecomputesRootAndEntriesFromGoTiles(long size) throws IOException {
    GoLog go = goLog(size);
    TileHashReader reader = new TileHashReader(go.size(), CairnLog.tiles(go.dir()));

    assertThat(Proofs.treeHash(reader, go.size())).isEqualTo(go.root());
    Hasher hasher = new Hasher();
    for (long b = 0; b * 256 < go.size(); b++) {
      EntryBundle bundle = TileLayout.bundleFor(b * 256, go.size());
      List<byte[]> entries = Bundles.decode(
          Files.readAllBytes(go.dir().resolve(bundle.path())), bundle.width());
      for (int i = 0; i < entries.size(); i++) {
        long index = bundle.firstEntry() + i;
        assertThat(entries.get(i)).as("record %d", index).isEqualTo(record(index));
        assertThat(hasher.leaf(entries.get(i))).as("leaf %d", index)
            .isEqualTo(reader.read(0, index));
      }
    }
  }

  @ParameterizedTest(name = "size {0}")
  @ValueSource(longs = {1, 2, 255, 256, 257, 1_000, 65_536 + 1_000})
  void cairnBuildsTheSameTilesAsGo(long size) throws IOException {
    GoLog go = goLog(size);
    Map<String, byte[]> cairn = new HashMap<>();
    TileBuilder builder = TileBuilder.empty();
    Hasher hasher = new Hasher();
    for (long i = 0; i < size; i++) {
      builder.append(hasher.leaf(record(i)).toByteArray(), 0,
          (tile, data) -> cairn.put(tile.path(), data));
    }
    builder.partialTiles(0).forEach(t -> cairn.put(t.tile().path(), t.data()));

    assertThat(builder.root()).isEqualTo(go.root());
    List<String> expected = TileLayout.added(0, size).stream()
        .filter(t -> t instanceof HashTile).map(TilePath::path).toList();
    assertThat(cairn).containsOnlyKeys(expected);
    for (String path : expected) {
      assertThat(cairn.get(path)).as(path).isEqualTo(Files.readAllBytes(go.dir().resolve(path)));
    }
  }

  @ParameterizedTest(name = "size {0}")
  @ValueSource(longs = {1, 2, 255, 256, 257, 1_000, 65_536 + 1_000})
  void cairnVerifiesAndReproducesGoProofs(long size) throws IOException {
    GoLog go = goLog(size);
    TileHashReader reader = new TileHashReader(go.size(), CairnLog.tiles(go.dir()));
    Hasher hasher = new Hasher();

    for (Inclusion p : go.inclusions()) {
      assertThat(hasher.leaf(record(p.index()))).isEqualTo(p.recordHash());
      ProofVerifier.verifyInclusion(p.recordHash(), p.index(), go.size(), p.proof(), go.root());
      assertThat(Proofs.inclusion(reader, p.index(), go.size())).as("index %d", p.index())
          .isEqualTo(p.proof());
    }
    for (Consistency p : go.consistencies()) {
      ProofVerifier.verifyConsistency(p.oldSize(), go.size(), p.proof(), p.oldRoot(), go.root());
      assertThat(Proofs.treeHash(reader, p.oldSize())).isEqualTo(p.oldRoot());
      assertThat(Proofs.consistency(reader, p.oldSize(), go.size())).as("old %d", p.oldSize())
          .isEqualTo(p.proof());
    }
  }

  @ParameterizedTest(name = "size {0}")
  @ValueSource(longs = {1, 2, 255, 256, 257, 1_000, 65_536 + 1_000})
  void cairnRejectsGoProofsWithOneBitFlipped(long size) throws IOException {
    GoLog go = goLog(size);
    for (Inclusion p : go.inclusions()) {
      assertRejected(() -> ProofVerifier.verifyInclusion(
          flip(p.recordHash(), 0), p.index(), go.size(), p.proof(), go.root()));
      assertRejected(() -> ProofVerifier.verifyInclusion(
          p.recordHash(), p.index(), go.size(), p.proof(), flip(go.root(), 1)));
      for (int j = 0; j < p.proof().size(); j++) {
        List<Hash> proof = flipped(p.proof(), j);
        assertRejected(() -> ProofVerifier.verifyInclusion(
            p.recordHash(), p.index(), go.size(), proof, go.root()));
      }
    }
    for (Consistency p : go.consistencies()) {
      assertRejected(() -> ProofVerifier.verifyConsistency(
          p.oldSize(), go.size(), p.proof(), flip(p.oldRoot(), 2), go.root()));
      assertRejected(() -> ProofVerifier.verifyConsistency(
          p.oldSize(), go.size(), p.proof(), p.oldRoot(), flip(go.root(), 3)));
      for (int j = 0; j < p.proof().size(); j++) {
        List<Hash> proof = flipped(p.proof(), j);
        assertRejected(() -> ProofVerifier.verifyConsistency(
            p.oldSize(), go.size(), proof, p.oldRoot(), go.root()));
      }
    }
  }

  private static void assertRejected(ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOf(ProofException.class);
  }

  /** {@code proof} with one bit of hash {@code j} flipped; the bit moves with {@code j}. */
  private static List<Hash> flipped(List<Hash> proof, int j) {
    List<Hash> out = new ArrayList<>(proof);
    out.set(j, flip(proof.get(j), j));
    return out;
  }

  /** {@code h} with bit {@code (7 * k) % 256} flipped. */
  private static Hash flip(Hash h, int k) {
    byte[] b = h.toByteArray();
    int bit = (7 * k) % 256;
    b[bit / 8] ^= (byte) (1 << (bit % 8));
    return Hash.of(b);
  }
}
