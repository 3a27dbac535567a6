package dev.cairn.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import dev.cairn.note.NoteSignature;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Witness cosignatures made by Cairn's cosignature signers, checked by code written without
 * Cairn: the Ed25519 one (type 0x04, {@code cosignature/v1}) by Go's crypto/ed25519 in {@code
 * go/witnesscheck verify}, which decodes the key and signature itself (sumdb/note knows only
 * type 0x01) and opens the log's own signature with sumdb/note; the ML-DSA-44 one (type 0x06,
 * {@code subtree/v1}) by the JDK's ML-DSA over a message {@link MlDsaJdkTest} builds from the
 * spec.
 */
class CosignatureGoTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final long TIME = 1_767_225_600L;
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(TIME), ZoneOffset.UTC);
  private static final SignerKey LOG =
      SignerKey.generate("log.example/witnessed", SignatureType.ED25519, RANDOM);
  private static final SignerKey ED =
      SignerKey.generate("witness.example/w1", SignatureType.COSIGNATURE_V1, RANDOM);
  private static final SignerKey ML =
      SignerKey.generate("witness.example/w1", SignatureType.MLDSA44_SUBTREE_V1, RANDOM);

  @TempDir Path dir;
  private Path witnesscheck;
  private Checkpoint checkpoint;
  private SignedNote cosigned;

  @BeforeEach
  void cosign() {
    witnesscheck = GoTool.program("witnesscheck");
    byte[] root = new byte[32];
    RANDOM.nextBytes(root);
    checkpoint = new Checkpoint(LOG.name(), 20_852_163, Hash.of(root));
    cosigned = SignedNote.sign(checkpoint.format(),
        List.of(LOG.signer(), ED.signer(CLOCK), ML.signer(CLOCK)));
  }

  @Test
  void goVerifiesCairnsEd25519CosignatureAndTheLogSignature() throws Exception {
    GoTool.Result r = verify(cosigned.encode(), "-log-vkey", LOG.verifierKey().encode());
    assertThat(r.exitCode()).as(r.describe()).isZero();
    assertThat(r.stdout()).isEqualTo("log signature by log.example/witnessed ok\n"
        + "cosignature by witness.example/w1 at time " + TIME + " ok\n");

    // With extension lines, which cosignature/v1 signs too.
    SignedNote extended = SignedNote.sign(checkpoint.format() + "extension line\n",
        List.of(LOG.signer(), ED.signer(CLOCK)));
    GoTool.Result ext = verify(extended.encode());
    assertThat(ext.exitCode()).as(ext.describe()).isZero();
  }

  @Test
  void theJdkVerifiesCairnsMlDsaCosignature() throws GeneralSecurityException {
    NoteSignature line = cosigned.signatures().stream()
        .filter(s -> s.keyId() == ML.keyId()).findFirst().orElseThrow();
    ByteBuffer raw = ByteBuffer.wrap(line.signature());
    long timestamp = raw.getLong();
    byte[] signature = new byte[raw.remaining()];
    raw.get(signature);
    PublicKey key = KeyFactory.getInstance("ML-DSA").generatePublic(
        new X509EncodedKeySpec(MlDsaJdkTest.spki(ML.verifierKey().publicKey())));

    assertThat(timestamp).isEqualTo(TIME);
    assertThat(MlDsaJdkTest.jdkVerify(key,
        MlDsaJdkTest.subtreeMessage(ML.name(), timestamp, checkpoint), signature)).isTrue();
    assertThat(MlDsaJdkTest.jdkVerify(key,
        MlDsaJdkTest.subtreeMessage(ML.name(), timestamp - 1, checkpoint), signature)).isFalse();
    assertThat(MlDsaJdkTest.jdkVerify(key, MlDsaJdkTest.subtreeMessage("witness.example/other",
        timestamp, checkpoint), signature)).isFalse();
  }

  @Test
  void goRejectsATamperedTextAnotherTimeAnotherKeyAndATruncatedSignature() throws Exception {
    String note = new String(cosigned.encode(), StandardCharsets.UTF_8);
    String tampered = note.replace("\n20852163\n", "\n20852164\n");
    GoTool.Result text = verify(tampered.getBytes(StandardCharsets.UTF_8));
    assertThat(text.exitCode()).as(text.describe()).isEqualTo(1);
    assertThat(text.stderr()).contains("at time " + TIME + " does not verify over the note text");

    GoTool.Result time = verify(withEdSignature(sig -> {
      ByteBuffer.wrap(sig).putLong(TIME + 1);
      return sig;
    }));
    assertThat(time.exitCode()).as(time.describe()).isEqualTo(1);
    assertThat(time.stderr()).contains("at time " + (TIME + 1) + " does not verify");

    GoTool.Result truncated = verify(withEdSignature(sig -> Arrays.copyOf(sig, 71)));
    assertThat(truncated.exitCode()).as(truncated.describe()).isEqualTo(1);
    assertThat(truncated.stderr()).contains("is 71 bytes, want 72");

    SignerKey other = SignerKey.generate(ED.name(), SignatureType.COSIGNATURE_V1, RANDOM);
    GoTool.Result unknown = GoTool.run(witnesscheck, "verify", "-vkey",
        other.verifierKey().encode(), Files.write(dir.resolve("note"), cosigned.encode())
            .toString());
    assertThat(unknown.exitCode()).as(unknown.describe()).isEqualTo(1);
    assertThat(unknown.stderr()).contains("no signature by witness.example/w1+");

    GoTool.Result logKey = verify(cosigned.encode(), "-log-vkey",
        SignerKey.generate(LOG.name(), SignatureType.ED25519, RANDOM).verifierKey().encode());
    assertThat(logKey.exitCode()).as(logKey.describe()).isEqualTo(1);
    assertThat(logKey.stderr()).contains("the log's signature");
  }

  /** The cosigned note with the Ed25519 cosignature's bytes (after the key ID) replaced. */
  private byte[] withEdSignature(java.util.function.UnaryOperator<byte[]> change) {
    NoteSignature ed = cosigned.signatures().stream()
        .filter(s -> s.keyId() == ED.keyId()).findFirst().orElseThrow();
    return cosigned.withSignatures(List.of(
        new NoteSignature(ed.name(), ed.keyId(), change.apply(ed.signature())))).encode();
  }

  private GoTool.Result verify(byte[] note, String... more) throws java.io.IOException {
    Path file = Files.write(dir.resolve("note"), note);
    List<String> args = new java.util.ArrayList<>(List.of("verify", "-vkey",
        ED.verifierKey().encode()));
    args.addAll(List.of(more));
    args.add(file.toString());
    return GoTool.run(witnesscheck, args.toArray(String[]::new));
  }
}
