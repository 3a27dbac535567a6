package dev.cairn.log;

/**
 * What a request names does not exist (yet): no checkpoint of that size was published, no entry
 * with that hash is in the latest checkpoint. HTTP answers 404 with the message.
 */
public final class NotFoundException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Says what was not found. */
  public NotFoundException(String reason) {
    super(reason);
  }
}
