package dev.cairn.log.auth;

import java.util.Set;

/**
 * An authenticated caller.
 *
 * @param subject the token's {@code sub}
 * @param roles the roles its roles claim names (unknown names are ignored)
 * @param keyId the {@code kid} of the key that verified the token
 */
public record Principal(String subject, Set<Role> roles, String keyId) {
  /** Copies the roles. */
  public Principal {
    roles = Set.copyOf(roles);
  }
}
