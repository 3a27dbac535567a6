package dev.cairn.log.publishing;

import java.io.IOException;

/**
 * A signed checkpoint was not endorsed: the {@link CheckpointEndorser} refused it (a witness
 * quorum was not met) or missed its deadline. Nothing was published; the entries it covered stay
 * durable and are published by a later checkpoint once an endorsement succeeds.
 */
public final class EndorsementException extends IOException {
  private final long size;

  /** The checkpoint at {@code size} was not endorsed because of {@code cause}. */
  public EndorsementException(long size, Throwable cause) {
    super("the checkpoint at size " + size + " was not endorsed: " + describe(cause), cause);
    this.size = size;
  }

  /** The size of the checkpoint that was not endorsed. */
  public long size() {
    return size;
  }

  private static String describe(Throwable cause) {
    if (cause instanceof java.util.concurrent.TimeoutException) {
      return "no answer before the publisher's deadline";
    }
    return cause.getMessage() != null ? cause.getMessage() : cause.toString();
  }
}
