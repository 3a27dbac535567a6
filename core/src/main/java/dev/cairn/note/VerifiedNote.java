package dev.cairn.note;

import java.util.List;
import java.util.OptionalLong;

/**
 * A note whose signatures by trusted keys all verified.
 *
 * @param text the note text
 * @param verified the verified signatures, in note order
 * @param unverified the signatures by keys the reader does not know, ignored
 */
public record VerifiedNote(String text, List<Verified> verified, List<NoteSignature> unverified) {
  /** Copies the lists. */
  public VerifiedNote {
    verified = List.copyOf(verified);
    unverified = List.copyOf(unverified);
  }

  /**
   * A verified signature.
   *
   * @param signature the signature line
   * @param type the signature type of the key that verified it
   * @param timestamp the signed timestamp, for timestamped types
   */
  public record Verified(NoteSignature signature, SignatureType type, OptionalLong timestamp) {}

  /** Whether the key with this name and ID signed. */
  public boolean isSignedBy(String name, int keyId) {
    return verified.stream().anyMatch(v -> v.signature().isBy(name, keyId));
  }
}
