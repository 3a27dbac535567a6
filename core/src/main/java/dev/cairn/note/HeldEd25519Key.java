package dev.cairn.note;

import java.time.Clock;
import java.util.function.UnaryOperator;

/**
 * An Ed25519 key whose private half is held elsewhere (a PKCS#11 token): its public key, and a
 * function that returns the raw 64-byte Ed25519 signature of a message. It signs as a {@code
 * cosignature/v1} (0x04) key, the message format staying in this package.
 *
 * <p>The device is not trusted: every signature the {@link #cosigner} returns has been verified
 * with {@code publicKey} first, so a device that signs with another key, or returns garbage,
 * fails the cosignature instead of handing out one no one can verify.
 *
 * @param description what holds the key, for messages (e.g. the token and label)
 * @param publicKey the 32-byte Ed25519 public key
 * @param ed25519 signs a message, raw Ed25519; may throw {@link IllegalStateException}
 */
public record HeldEd25519Key(String description, byte[] publicKey,
    UnaryOperator<byte[]> ed25519) {
  /** Checks that {@code publicKey} is a valid Ed25519 public key. */
  public HeldEd25519Key {
    if (publicKey.length != SignatureType.COSIGNATURE_V1.publicKeySize()) {
      throw new IllegalArgumentException("an Ed25519 public key is "
          + SignatureType.COSIGNATURE_V1.publicKeySize() + " bytes, got " + publicKey.length);
    }
    publicKey = publicKey.clone();
    Ed25519Note.Verifier.decode(publicKey);
  }

  @Override
  public byte[] publicKey() {
    return publicKey.clone();
  }

  /** The {@code cosignature/v1} verifier key of this key, named {@code name}. */
  public VerifierKey cosignatureKey(String name) {
    return new VerifierKey(name, SignatureType.COSIGNATURE_V1, publicKey);
  }

  /**
   * A {@code cosignature/v1} signer named {@code name}, timestamping with {@code clock}.
   *
   * @throws IllegalArgumentException if {@code name} is not a valid key name
   */
  public NoteSigner cosigner(String name, Clock clock) {
    VerifierKey key = cosignatureKey(name);
    return new VerifyingSigner(key, new CosignatureV1.Signer(name, key.keyId(), ed25519, clock),
        description);
  }

  @Override
  public String toString() {
    return "HeldEd25519Key[" + description + "]";
  }
}
