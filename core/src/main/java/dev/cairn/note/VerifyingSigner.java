package dev.cairn.note;


/**
 * A signer that does not trust the device its signatures come from (an HSM): each one is
 * verified with the recorded key before it is returned, so a device that signs with another key,
 * or returns garbage, fails the signature instead of handing out one no one can verify.
 * Thread-safe if the device is.
 */
public final class VerifyingSigner implements NoteSigner {
  private final VerifierKey recorded;
  private final NoteVerifier check;
  private final NoteSigner device;
  private final String deviceDescription;

  /** Signs with {@code device}, returning only signatures that {@code recorded} verifies. */
  public VerifyingSigner(VerifierKey recorded, NoteSigner device) {
    this(recorded, device, device.toString());
  }

  /** As {@link #VerifyingSigner(VerifierKey, NoteSigner)}, naming the device in messages. */
  public VerifyingSigner(VerifierKey recorded, NoteSigner device, String deviceDescription) {
    this.recorded = recorded;
    this.check = recorded.verifier();
    this.device = device;
    this.deviceDescription = deviceDescription;
  }

  /** The key each signature must verify with. */
  public VerifierKey key() {
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
      throw new IllegalStateException(deviceDescription + " returned a signature that does not"
          + " verify with " + recorded.encode());
    }
    return sig;
  }

  @Override
  public String toString() {
    return "VerifyingSigner[" + recorded.name() + "+" + KeyNames.hex(recorded.keyId()) + " ("
        + recorded.type() + "), " + deviceDescription + "]";
  }
}
