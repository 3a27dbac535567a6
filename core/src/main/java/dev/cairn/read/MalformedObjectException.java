package dev.cairn.read;

import java.io.IOException;

/**
 * A checkpoint, tile or bundle that a {@link LogReader} found but that does not have the shape
 * tlog-tiles gives it: a full tile that is not 8,192 bytes, a bundle cut off inside an entry, an
 * object larger than any valid one. The message names where it was read from.
 */
public final class MalformedObjectException extends IOException {
  private static final long serialVersionUID = 1L;

  /** A malformed object described by {@code message}. */
  public MalformedObjectException(String message) {
    super(message);
  }
}
