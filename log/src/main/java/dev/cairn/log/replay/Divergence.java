package dev.cairn.log.replay;

/**
 * The first place where stored data disagrees with the replay of the log's entries: which file,
 * which entry or hash, and what was expected and found.
 */
public final class Divergence extends Exception {
  private static final long serialVersionUID = 1L;

  /** A divergence described by {@code message}. */
  public Divergence(String message) {
    super(message);
  }
}
