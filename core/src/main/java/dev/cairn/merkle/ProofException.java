package dev.cairn.merkle;

/**
 * A Merkle proof does not prove what it claims: wrong length, malformed arguments, or a
 * recomputed root that does not match. The message says which, with expected and actual values
 * where there are some.
 */
public final class ProofException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A failure described by {@code message}. */
  public ProofException(String message) {
    super(message);
  }
}
