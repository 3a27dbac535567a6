package dev.cairn.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import dev.cairn.note.NoteException;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifierKey;
import dev.cairn.note.VerifierSet;
import dev.cairn.policy.Policy;
import dev.cairn.proof.TlogProof;
import dev.cairn.release.ReleaseManifest;
import dev.cairn.tile.Bundles;
import dev.cairn.tile.TilePath;
import dev.cairn.verify.LogVerifier;
import dev.cairn.verify.VerificationException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Every parser either rejects its input with its documented exception or accepts it and writes
 * it back byte for byte (the formats are canonical). Any other exception is a bug.
 */
class ParsersFuzzTest {
  private static final SignerKey KEY = SignerKey.fromSeed(
      "example.com/log", SignatureType.ED25519, new byte[32]);
  private static final VerifierSet TRUSTED = VerifierSet.of(KEY.verifierKey().verifier());
  private static final LogVerifier VERIFIER = LogVerifier.ofLogKeys(List.of(KEY.verifierKey()));

  @FuzzTest(maxDuration = "2m")
  void tilePath(byte[] data) {
    String s = new String(data, StandardCharsets.UTF_8);
    try {
      assertThat(TilePath.parse(s).path()).isEqualTo(s);
    } catch (IllegalArgumentException expected) {
      // rejected
    }
  }

  @FuzzTest(maxDuration = "2m")
  void bundle(byte[] data) {
    try {
      assertThat(Bundles.encode(Bundles.decodeAtMost(data, 256))).isEqualTo(data);
    } catch (IllegalArgumentException expected) {
      // rejected
    }
  }

  @FuzzTest(maxDuration = "2m")
  void signedNote(byte[] data) {
    SignedNote note;
    try {
      note = SignedNote.parse(data);
    } catch (NoteException e) {
      assertThat(e.kind()).isEqualTo(NoteException.Kind.MALFORMED);
      return;
    }
    assertThat(note.encode()).isEqualTo(data);
    try {
      note.open(TRUSTED);
    } catch (NoteException e) {
      assertThat(e.kind()).isNotEqualTo(NoteException.Kind.MALFORMED);
    }
  }

  @FuzzTest(maxDuration = "2m")
  void checkpoint(byte[] data) {
    String s = new String(data, StandardCharsets.UTF_8);
    try {
      assertThat(Checkpoint.parse(s).format()).isEqualTo(s);
    } catch (IllegalArgumentException expected) {
      // rejected
    }
  }

  @FuzzTest(maxDuration = "2m")
  void tlogProof(byte[] data) {
    try {
      assertThat(TlogProof.parse(data).encode()).isEqualTo(data);
    } catch (IllegalArgumentException expected) {
      return;
    }
    try {
      VERIFIER.verifyProof(data, data);
    } catch (VerificationException expected) {
      // rejected
    }
  }

  @FuzzTest(maxDuration = "2m")
  void policy(byte[] data) {
    try {
      String canonical = Policy.parse(data).format();
      assertThat(Policy.parse(canonical).format()).isEqualTo(canonical);
    } catch (IllegalArgumentException expected) {
      // rejected
    }
  }

  @FuzzTest(maxDuration = "2m")
  void keys(byte[] data) {
    String s = new String(data, StandardCharsets.UTF_8);
    try {
      assertThat(VerifierKey.parse(s).encode()).isEqualTo(s);
    } catch (IllegalArgumentException expected) {
      // rejected
    }
    try {
      SignerKey k = SignerKey.parse(s);
      assertThat(SignerKey.parse(k.encode()).verifierKey()).isEqualTo(k.verifierKey());
    } catch (IllegalArgumentException expected) {
      // rejected
    }
    try {
      assertThat(Hash.fromBase64(s).toBase64()).isEqualTo(s);
    } catch (IllegalArgumentException expected) {
      // rejected
    }
  }

  @FuzzTest(maxDuration = "2m")
  void checkpointNote(byte[] data) {
    try {
      VERIFIER.verifyCheckpoint(data);
    } catch (VerificationException expected) {
      // rejected
    }
  }

  @FuzzTest(maxDuration = "2m")
  void releaseManifest(byte[] data) {
    String s = new String(data, StandardCharsets.UTF_8);
    ReleaseManifest m;
    try {
      m = ReleaseManifest.parse(s);
    } catch (IllegalArgumentException expected) {
      return;
    }
    assertThat(m.format()).isEqualTo(s);
    assertThat(ReleaseManifest.parse(m.format())).isEqualTo(m);
  }
}
