package dev.cairn.log.auth;

import java.util.Set;

/**
 * An authenticated caller.
 *
 * @param subject the token's {@code sub}
 * @param roles the log's roles its roles claim names
 * @param roleNames every name in its roles claim, the log's or not (the monitor's roles are
 *     {@code viewer}, {@code operator} and {@code admin})
 * @param keyId the {@code kid} of the key that verified the token
 */
public record Principal(String subject, Set<Role> roles, Set<String> roleNames, String keyId) {
  /** Copies the roles. */
  public Principal {
    roles = Set.copyOf(roles);
    roleNames = Set.copyOf(roleNames);
  }

  /** Whether the roles claim names {@code role}. */
  public boolean hasRole(String role) {
    return roleNames.contains(role);
  }
}
