package dev.cairn.read;

/**
 * The first place where a log's stored data disagrees with the replay of its entries, or is
 * missing or malformed: which object, which entry or hash, what was expected and what found.
 * Thrown by {@link Replay} and by the checks callers hook into it.
 */
public final class Divergence extends Exception {
  private static final long serialVersionUID = 1L;

  /** A divergence described by {@code message}. */
  public Divergence(String message) {
    super(message);
  }

  /** A divergence described by {@code message}, found as {@code cause}. */
  public Divergence(String message, Throwable cause) {
    super(message, cause);
  }
}
