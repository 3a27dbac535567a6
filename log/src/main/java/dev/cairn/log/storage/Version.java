package dev.cairn.log.storage;

/**
 * An opaque token naming one state of a compare-and-swap value (the latest checkpoint): a
 * digest of the stored bytes in the embedded backend, a row version in PostgreSQL. Only equality
 * means anything.
 *
 * @param token the backend's token
 */
public record Version(String token) {
  /** Checks the token. */
  public Version {
    if (token.isEmpty()) {
      throw new IllegalArgumentException("empty version token");
    }
  }
}
