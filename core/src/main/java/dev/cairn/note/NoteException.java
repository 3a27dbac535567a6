package dev.cairn.note;

/** A signed note could not be parsed or verified; {@link #kind()} says which. */
public final class NoteException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong, for callers that act on it. */
  public enum Kind {
    /** The note does not follow the format or exceeds a limit. */
    MALFORMED,
    /** A signature from a known key does not verify. */
    INVALID_SIGNATURE,
    /** No signature from a known key is present. */
    UNVERIFIED
  }

  private final Kind kind;

  /** An exception of {@code kind} described by {@code message}. */
  public NoteException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  /** What went wrong. */
  public Kind kind() {
    return kind;
  }

  static NoteException malformed(String message) {
    return new NoteException(Kind.MALFORMED, "malformed note: " + message);
  }
}
