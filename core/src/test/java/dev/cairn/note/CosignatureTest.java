package dev.cairn.note;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hasher;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Timestamped cosignatures (0x04) and ML-DSA-44 subtree signatures (0x06). */
class CosignatureTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_679_315_147L),
      ZoneOffset.UTC);
  private static final String CHECKPOINT =
      new Checkpoint("example.com/log", 20852163, Hasher.threadLocal().leaf(new byte[] {1}))
          .format();

  @Test
  void cosignatureV1SignsTheHeaderTimeAndBody() {
    SignerKey k = SignerKey.generate("witness.example/w1", SignatureType.COSIGNATURE_V1, RANDOM);
    SignedNote n = SignedNote.sign(CHECKPOINT, List.of(k.signer(CLOCK)));
    byte[] sig = n.signatures().get(0).signature();
    assertThat(sig).hasSize(72);
    assertThat(ByteBuffer.wrap(sig).getLong()).isEqualTo(1_679_315_147L);
    VerifiedNote v = SignedNote.parse(n.encode()).open(VerifierSet.of(k.verifierKey().verifier()));
    assertThat(v.verified().get(0).timestamp()).hasValue(1_679_315_147L);
    // The signature is plain Ed25519 over the cosignature/v1 message: a 0x01 verifier of the
    // same public key accepts it over that message and nothing else.
    byte[] message = ("cosignature/v1\ntime 1679315147\n" + CHECKPOINT)
        .getBytes(StandardCharsets.UTF_8);
    NoteVerifier plain = new VerifierKey("witness.example/w1", SignatureType.ED25519,
        k.verifierKey().publicKey()).verifier();
    assertThat(plain.verify(message, java.util.Arrays.copyOfRange(sig, 8, 72))).isTrue();
    assertThat(plain.verify(CHECKPOINT.getBytes(StandardCharsets.UTF_8),
        java.util.Arrays.copyOfRange(sig, 8, 72))).isFalse();
  }

  @Test
  void aChangedTimestampBreaksTheCosignature() {
    SignerKey k = SignerKey.generate("w", SignatureType.COSIGNATURE_V1, RANDOM);
    byte[] sig = SignedNote.sign(CHECKPOINT, List.of(k.signer(CLOCK))).signatures().get(0)
        .signature();
    sig[7] ^= 1;
    assertThat(k.verifierKey().verifier().verify(
        CHECKPOINT.getBytes(StandardCharsets.UTF_8), sig)).isFalse();
  }

  @Test
  void mlDsa44SignsTheSubtreeOfTheCheckpoint() {
    SignerKey k = SignerKey.generate("example.com/log", SignatureType.MLDSA44_SUBTREE_V1, RANDOM);
    SignedNote n = SignedNote.sign(CHECKPOINT, List.of(k.signer(CLOCK)));
    byte[] sig = n.signatures().get(0).signature();
    assertThat(sig).hasSize(8 + 2420);
    NoteVerifier v = k.verifierKey().verifier();
    byte[] text = CHECKPOINT.getBytes(StandardCharsets.UTF_8);
    assertThat(v.verify(text, sig)).isTrue();
    // Extension lines are not covered by the subtree/v1 message...
    String extended = CHECKPOINT + "extension\n";
    assertThat(v.verify(extended.getBytes(StandardCharsets.UTF_8), sig)).isTrue();
    // ...but origin, size, root and timestamp are.
    assertThat(v.verify(CHECKPOINT.replace("20852163", "20852164")
        .getBytes(StandardCharsets.UTF_8), sig)).isFalse();
    assertThat(v.verify(CHECKPOINT.replace("example.com/log", "example.com/other")
        .getBytes(StandardCharsets.UTF_8), sig)).isFalse();
    byte[] later = sig.clone();
    later[7] ^= 1;
    assertThat(v.verify(text, later)).isFalse();
    assertThat(v.verify("not a checkpoint\n".getBytes(StandardCharsets.UTF_8), sig)).isFalse();
  }

  @Test
  void mlDsa44RefusesToSignSomethingElse() {
    SignerKey k = SignerKey.generate("log", SignatureType.MLDSA44_SUBTREE_V1, RANDOM);
    assertThatThrownBy(() -> SignedNote.sign("hello\n", List.of(k.signer())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("checkpoint");
  }
}
