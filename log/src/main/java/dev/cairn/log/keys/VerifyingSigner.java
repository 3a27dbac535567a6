package dev.cairn.log.keys;

import dev.cairn.note.NoteSigner;
import dev.cairn.note.NoteVerifier;
import dev.cairn.note.SignatureType;
import dev.cairn.note.VerifierKey;

/**
 * A signer that does not trust the device its signatures come from: each one is verified with
 * the key the log recorded before it is returned, so a device that signs with another key, or
 * returns garbage, fails the checkpoint instead of publishing a signature no one can verify.
 * Thread-safe if the device is.
 */
final class VerifyingSigner implements NoteSigner {
  private final VerifierKey recorded;
  private final NoteVerifier check;
  private final NoteSigner device;

  /** Signs with {@code device}, returning only signatures that {@code recorded} verifies. */
  VerifyingSigner(VerifierKey recorded, NoteSigner device) {
    this.recorded = recorded;
    this.check = recorded.verifier();
    this.device = device;
  }

  /** The key each signature must verify with. */
  VerifierKey key() {
    return recorded;
  }

  @Override
  public String name() {
    return recorded.name();
  }

  @Override
  public int keyId() {
    return recorded.keyId();
  }

  @Override
  public SignatureType type() {
    return recorded.type();
  }

  /**
   * @throws IllegalStateException if the device fails, or its signature does not verify with
   *     the recorded key
   */
  @Override
  public byte[] sign(byte[] text) {
    byte[] sig = device.sign(text);
    if (!check.verify(text, sig)) {
      throw new IllegalStateException(device + " returned a signature that does not verify with "
          + KeyRing.describe(recorded));
    }
    return sig;
  }

  @Override
  public String toString() {
    return "VerifyingSigner[" + KeyRing.describe(recorded) + ", " + device + "]";
  }
}
