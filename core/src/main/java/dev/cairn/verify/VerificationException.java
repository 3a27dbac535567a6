package dev.cairn.verify;

/** A verification failed; {@link #reason()} says how, the message says exactly what. */
public final class VerificationException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why verification failed. */
  public enum Reason {
    /** An input (note, checkpoint, proof) does not parse. */
    MALFORMED,
    /** A signature by a trusted key does not verify: the data was tampered with. */
    BAD_SIGNATURE,
    /** No trusted log key for the checkpoint's origin signed it, or a required type is missing. */
    UNTRUSTED,
    /** The witness cosignatures do not satisfy the policy's quorum. */
    QUORUM_NOT_MET,
    /** The inclusion proof does not lead to the checkpoint's root. */
    NOT_INCLUDED,
    /** The two checkpoints are not consistent: the log forked or rolled back. */
    INCONSISTENT
  }

  private final Reason reason;

  /** A failure for {@code reason} described by {@code message}. */
  public VerificationException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  /** Why verification failed. */
  public Reason reason() {
    return reason;
  }

  @Override
  public String getMessage() {
    return reason.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + ": "
        + super.getMessage();
  }
}
