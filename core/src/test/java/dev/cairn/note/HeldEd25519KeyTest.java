package dev.cairn.note;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hasher;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A held Ed25519 key (its raw signing function stands in for a token) signs exactly the {@code
 * cosignature/v1} signatures a seed key does, and no signature its public key does not verify
 * is ever returned.
 */
class HeldEd25519KeyTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_679_315_147L),
      ZoneOffset.UTC);
  private static final String NAME = "witness.example/w1";
  private static final byte[] CHECKPOINT = new Checkpoint("example.com/log", 7,
      Hasher.threadLocal().leaf(new byte[] {1})).format().getBytes(StandardCharsets.UTF_8);

  /** A raw Ed25519 signing function: a plain (0x01) signer signs the bytes it is given. */
  private static HeldEd25519Key held(SignerKey plain) {
    return new HeldEd25519Key("the test device", plain.verifierKey().publicKey(),
        plain.signer()::sign);
  }

  @Test
  void signsTheSameCosignatureAsASeedKey() {
    byte[] seed = new byte[SignerKey.SEED_SIZE];
    RANDOM.nextBytes(seed);
    SignerKey file = SignerKey.fromSeed(NAME, SignatureType.COSIGNATURE_V1, seed);
    HeldEd25519Key held = held(SignerKey.fromSeed("device", SignatureType.ED25519, seed));

    assertThat(held.cosignatureKey(NAME)).isEqualTo(file.verifierKey());
    assertThat(held.cosignatureKey(NAME).encode()).isEqualTo(file.verifierKey().encode());
    NoteSigner s = held.cosigner(NAME, CLOCK);
    assertThat(s.type()).isEqualTo(SignatureType.COSIGNATURE_V1);
    assertThat(s.keyId()).isEqualTo(file.keyId());
    // Ed25519 is deterministic: the same key, time and text give the same bytes.
    assertThat(s.sign(CHECKPOINT)).isEqualTo(file.signer(CLOCK).sign(CHECKPOINT));
    SignedNote note = SignedNote.sign(new String(CHECKPOINT, StandardCharsets.UTF_8),
        List.of(s));
    assertThat(SignedNote.parse(note.encode()).open(VerifierSet.ofKeys(List.of(
        VerifierKey.parse(held.cosignatureKey(NAME).encode())))).verified())
        .singleElement().satisfies(v -> assertThat(v.timestamp()).hasValue(1_679_315_147L));
  }

  @Test
  void aDeviceSigningWithAnotherKeyOrReturningGarbageIsRefused() {
    SignerKey device = SignerKey.generate("device", SignatureType.ED25519, RANDOM);
    SignerKey other = SignerKey.generate("other", SignatureType.ED25519, RANDOM);
    HeldEd25519Key lying = new HeldEd25519Key("the lying device",
        device.verifierKey().publicKey(), other.signer()::sign);
    assertThatThrownBy(() -> lying.cosigner(NAME, CLOCK).sign(CHECKPOINT))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("the lying device returned a signature that does not verify with "
            + lying.cosignatureKey(NAME).encode());
    HeldEd25519Key short64 = new HeldEd25519Key("the short device",
        device.verifierKey().publicKey(), m -> new byte[10]);
    assertThatThrownBy(() -> short64.cosigner(NAME, CLOCK).sign(CHECKPOINT))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("got 10");
    assertThatThrownBy(() -> new HeldEd25519Key("d", new byte[31], m -> m))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32 bytes, got 31");
    assertThatThrownBy(() -> held(device).cosigner("bad name", CLOCK))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
