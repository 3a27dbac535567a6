package dev.cairn.note;

/** Verifies note signatures by one key. Implementations are thread-safe. */
public interface NoteVerifier {
  /** The key name. */
  String name();

  /** The key ID. */
  int keyId();

  /** The signature type. */
  SignatureType type();

  /** Whether {@code signature} (without the key ID) is valid over the UTF-8 note text. */
  boolean verify(byte[] text, byte[] signature);
}
