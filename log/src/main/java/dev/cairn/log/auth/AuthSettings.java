package dev.cairn.log.auth;

import java.time.Duration;
import java.util.Optional;

/**
 * How writes are authenticated.
 *
 * @param jwks where the JWKS is: an {@code http(s)://} URL or a file; empty turns authentication
 *     off (the {@code dev} profile only)
 * @param issuer the required {@code iss}
 * @param audience the {@code aud} that must be among the token's audiences
 * @param rolesClaim the claim holding a JSON array of role names
 * @param clockSkew how far {@code exp} and {@code nbf} may be off
 * @param strictKeyId whether tokens must name their key ({@code kid})
 * @param refreshInterval how often a JWKS URL is fetched again
 * @param minRefreshGap the least time between two fetches an unknown {@code kid} triggers
 * @param maxStale how long keys fetched earlier are used while the JWKS cannot be fetched
 * @param maxTokenBytes the longest token accepted
 */
public record AuthSettings(Optional<String> jwks, Optional<String> issuer,
    Optional<String> audience, String rolesClaim, Duration clockSkew, boolean strictKeyId,
    Duration refreshInterval, Duration minRefreshGap, Duration maxStale, int maxTokenBytes) {
  /** The most clock skew allowed. */
  public static final Duration MAX_SKEW = Duration.ofMinutes(5);

  /** Checks the bounds. */
  public AuthSettings {
    if (clockSkew.isNegative() || clockSkew.compareTo(MAX_SKEW) > 0) {
      throw new IllegalArgumentException("auth clock skew must be 0 to 5m, got " + clockSkew);
    }
    if (rolesClaim.isBlank()) {
      throw new IllegalArgumentException("the roles claim name is empty");
    }
    if (jwks.isPresent() && (issuer.isEmpty() || audience.isEmpty())) {
      throw new IllegalArgumentException("JWT authentication (--auth-jwks) needs"
          + (issuer.isEmpty() ? " --auth-issuer" : "") + (audience.isEmpty()
          ? " --auth-audience" : ""));
    }
  }

  /** Authentication off: every write is anonymous and allowed (development only). */
  public static AuthSettings none() {
    return new AuthSettings(Optional.empty(), Optional.empty(), Optional.empty(), "roles",
        Duration.ofSeconds(60), true, Duration.ofMinutes(5), Duration.ofSeconds(30),
        Duration.ofHours(1), 8192);
  }

  /** JWT authentication against {@code jwks} with the default limits. */
  public static AuthSettings jwt(String jwks, String issuer, String audience) {
    return new AuthSettings(Optional.of(jwks), Optional.of(issuer), Optional.of(audience),
        "roles", Duration.ofSeconds(60), true, Duration.ofMinutes(5), Duration.ofSeconds(30),
        Duration.ofHours(1), 8192);
  }

  /** Whether writes need a token. */
  public boolean enabled() {
    return jwks.isPresent();
  }
}
