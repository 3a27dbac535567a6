package dev.cairn.note;

/** Signs note texts with one key. Implementations are thread-safe. */
public interface NoteSigner {
  /** The key name written on the signature line. */
  String name();

  /** The key ID written before the signature. */
  int keyId();

  /** The signature type. */
  SignatureType type();

  /**
   * Signs the UTF-8 note text (which ends in a newline) and returns the signature bytes that
   * follow the key ID.
   *
   * @throws IllegalArgumentException if this signature type cannot sign this text (for example a
   *     cosignature over a text that is not a checkpoint)
   */
  byte[] sign(byte[] text);
}
