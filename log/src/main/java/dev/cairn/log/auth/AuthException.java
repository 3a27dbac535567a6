package dev.cairn.log.auth;

/**
 * A request that is not allowed: 401 (no valid credentials), 403 (valid, but not the role), or
 * 503 (credentials cannot be checked now, e.g. the JWKS is unreachable) — never a pass.
 */
public final class AuthException extends Exception {
  private static final long serialVersionUID = 1L;
  private final int status;

  /** A refusal with HTTP {@code status} and a reason the caller may see. */
  public AuthException(int status, String reason) {
    super(reason);
    this.status = status;
  }

  /** The HTTP status to answer. */
  public int status() {
    return status;
  }
}
