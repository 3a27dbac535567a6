package dev.cairn.log;

/**
 * A request the log refuses because of what it asked for — an entry of the wrong size, an index
 * beyond the tree, sizes out of order — with a message a person can act on. Nothing was changed.
 * HTTP answers 400 with the message.
 */
public final class BadInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Refuses a request, saying why. */
  public BadInputException(String reason) {
    super(reason);
  }
}
