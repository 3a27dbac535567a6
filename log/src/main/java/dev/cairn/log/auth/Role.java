package dev.cairn.log.auth;

import java.util.Locale;
import java.util.Optional;

/** What a caller may do. Reads are public and need no role. */
public enum Role {
  /** Adds entries. */
  SUBMITTER,
  /** Reads what only auditors may read. */
  AUDITOR,
  /** Rotates keys and views the configuration. */
  ADMIN;

  /** The name in a token's roles claim: {@code submitter}, {@code auditor}, {@code admin}. */
  public String claimName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The role a claim value names, if any. */
  public static Optional<Role> ofClaim(String value) {
    for (Role r : values()) {
      if (r.claimName().equals(value)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}
