package dev.cairn.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.note.KeyNames;
import dev.cairn.note.NoteException;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifierSet;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Go's audit of a Cairn log fails when one bit of a tile, a bundle, the log's signature or a
 * proof changes, and ignores the ML-DSA-44 signature it cannot check. Every test starts from the
 * same log, whose untouched copy passes, and restores what it changed.
 */
class CairnToGoTamperTest {
  private static final long SIZE = 70_000;

  @TempDir static Path tmp;
  private static Path auditor;
  private static Path log;
  private static Path proofs;

  @BeforeAll
  static void writeLog() throws IOException {
    auditor = GoTool.program("auditor");
    CairnLog.Written written =
        CairnLog.write(tmp.resolve("log"), SIZE, SIZE, CairnToGoTest.signers());
    log = written.dir();
    proofs = tmp.resolve("proofs");
    CairnLog.writeProofs(written, proofs);
  }

  @Test
  void untouchedLogPasses() {
    GoTool.Result r = audit();
    assertThat(r.exitCode()).as(r::describe).isZero();
    assertThat(r.stdout()).as(r::describe).contains("signatures verified=1 unknown=1\n");
  }

  // 70,000 entries: 273 full tiles and 112 hashes at level 0, 1 full tile and 17 hashes at
  // level 1, 1 hash at level 2. The partial tiles hold the tree's subtree hashes, which Go's
  // tlog.TileHashReader checks against the root; the auditor checks full tiles against their
  // parents itself (see checkFullTiles in go/auditor/main.go).
  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "tile/0/000,       tile tile/0/000 hashes to",
      "tile/0/150,       tile tile/0/150 hashes to",
      "tile/1/000,       tile tile/1/000 hashes to",
      "tile/0/273.p/112, downloaded inconsistent tile",
      "tile/1/001.p/17,  downloaded inconsistent tile",
      "tile/2/000.p/1,   downloaded inconsistent tile"})
  void flippedTileBitFailsAudit(String tile, String reason) throws IOException {
    GoTool.Result r = withBitFlipped(log.resolve(tile), Files.size(log.resolve(tile)) / 2);
    assertFails(r, reason);
  }

  @ParameterizedTest
  @ValueSource(strings = {"tile/entries/000", "tile/entries/100", "tile/entries/273.p/112"})
  void flippedBundleBitFailsAudit(String bundle) throws IOException {
    GoTool.Result r = withBitFlipped(log.resolve(bundle), Files.size(log.resolve(bundle)) / 2);
    assertFails(r, "bundle " + bundle + ": ");
  }

  @Test
  void flippedLogSignatureBitFailsAudit() throws IOException {
    GoTool.Result r = withCheckpoint(signatureBitFlipped(CairnToGoTest.LOG_KEY, 10));
    assertFails(r, "invalid signature for key " + CairnLog.ORIGIN);
  }

  @Test
  void flippedMlDsaSignatureBitIsIgnoredByGoButNotByCairn() throws IOException {
    String tampered = signatureBitFlipped(CairnToGoTest.PQ_KEY, 100);

    GoTool.Result r = withCheckpoint(tampered);

    assertThat(r.exitCode()).as(r::describe).isZero();
    assertThat(r.stdout()).as(r::describe).contains("signatures verified=1 unknown=1\n");
    VerifierSet pq = VerifierSet.of(CairnToGoTest.PQ_KEY.verifierKey().verifier());
    assertThatThrownBy(() -> SignedNote.parse(tampered.getBytes(StandardCharsets.UTF_8)).open(pq))
        .isInstanceOfSatisfying(NoteException.class,
            e -> assertThat(e.kind()).isEqualTo(NoteException.Kind.INVALID_SIGNATURE));
  }

  @ParameterizedTest
  @ValueSource(strings = {"inclusion", "consistency"})
  void flippedProofBitFailsAudit(String kind) throws IOException {
    List<String> lines = Files.readAllLines(proofs);
    int line = 0;
    while (!lines.get(line).startsWith(kind + " ") || lines.get(line).split(" ").length < 4) {
      line++;
    }
    String[] fields = lines.get(line).split(" ");
    byte[] hash = Base64.getDecoder().decode(fields[3]);
    hash[7] ^= 0x10;
    fields[3] = Base64.getEncoder().encodeToString(hash);
    List<String> tampered = new ArrayList<>(lines);
    tampered.set(line, String.join(" ", fields));
    Files.write(proofs, tampered);
    GoTool.Result r;
    try {
      r = audit();
    } finally {
      Files.write(proofs, lines);
    }
    assertFails(r, "proofs line " + (line + 1) + ": " + kind + " proof");
  }

  private static GoTool.Result audit() {
    return GoTool.run(auditor, "-vkey", CairnToGoTest.LOG_KEY.verifierKey().encode(),
        "-proofs", proofs.toString(), log.toString());
  }

  private static void assertFails(GoTool.Result r, String reason) {
    assertThat(r.exitCode()).as(r::describe).isEqualTo(1);
    assertThat(r.stderr()).as(r::describe).startsWith("auditor: FAIL: ").contains(reason);
  }

  /** Audits with bit 0 of byte {@code offset} of {@code file} flipped, then restores it. */
  private static GoTool.Result withBitFlipped(Path file, long offset) throws IOException {
    byte[] original = Files.readAllBytes(file);
    byte[] flipped = original.clone();
    flipped[Math.toIntExact(offset)] ^= 0x01;
    Files.write(file, flipped);
    try {
      return audit();
    } finally {
      Files.write(file, original);
    }
  }

  /** Audits with the checkpoint replaced by {@code note}, then restores it. */
  private static GoTool.Result withCheckpoint(String note) throws IOException {
    Path file = log.resolve("checkpoint");
    byte[] original = Files.readAllBytes(file);
    Files.writeString(file, note, StandardCharsets.UTF_8);
    try {
      return audit();
    } finally {
      Files.write(file, original);
    }
  }

  /**
   * The checkpoint with bit 0 of byte {@code index} of the signature by {@code key} (past its
   * key ID) flipped; the signature line is found and re-encoded by hand.
   */
  private static String signatureBitFlipped(SignerKey key, int index) throws IOException {
    String note = Files.readString(log.resolve("checkpoint"), StandardCharsets.UTF_8);
    String prefix = "\u2014 " + key.name() + " ";
    List<String> lines = new ArrayList<>(List.of(note.split("\n", -1)));
    int found = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith(prefix)) {
        byte[] raw = Base64.getDecoder().decode(lines.get(i).substring(prefix.length()));
        if (ByteBuffer.wrap(raw).getInt() == key.keyId()) {
          raw[4 + index] ^= 0x01;
          lines.set(i, prefix + Base64.getEncoder().encodeToString(raw));
          found = i;
        }
      }
    }
    assertThat(found).as("signature line of %s+%s", key.name(), KeyNames.hex(key.keyId()))
        .isNotNegative();
    return String.join("\n", lines);
  }
}
