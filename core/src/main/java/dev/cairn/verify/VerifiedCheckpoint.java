package dev.cairn.verify;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import java.util.Set;

/**
 * A checkpoint that passed {@link LogVerifier#verifyCheckpoint}.
 *
 * @param checkpoint the checkpoint body
 * @param note the signed note it came in
 * @param logSignatureTypes the types of the log's signatures that verified
 * @param witnesses the policy names of the witnesses whose cosignatures verified
 */
public record VerifiedCheckpoint(
    Checkpoint checkpoint, SignedNote note, Set<SignatureType> logSignatureTypes,
    Set<String> witnesses) {
  /** Copies the sets. */
  public VerifiedCheckpoint {
    logSignatureTypes = Set.copyOf(logSignatureTypes);
    witnesses = Set.copyOf(witnesses);
  }
}
