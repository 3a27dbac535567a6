package dev.cairn.log.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jwt.JWTClaimsSet;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** {@link TokenIssuer} for tests in other packages. */
public final class TokenIssuerAccess implements AutoCloseable {
  /** The issuer's {@code iss}. */
  public static final String ISSUER = TokenIssuer.ISSUER;
  /** The audience its tokens are for. */
  public static final String AUDIENCE = TokenIssuer.AUDIENCE;
  private final TokenIssuer issuer;

  /** A new issuer with its JWKS served on loopback. */
  public TokenIssuerAccess() throws IOException, JOSEException {
    issuer = new TokenIssuer();
  }

  /** The JWKS URL. */
  public String jwksUrl() {
    return issuer.jwksUrl();
  }

  /** Good claims for {@code roles} around {@code now}. */
  public static JWTClaimsSet.Builder claims(Instant now, String... roles) {
    return TokenIssuer.claims(now, roles);
  }

  /** A token signed with the Ed25519 key ({@code kid} ed-1). */
  public String ed25519(JWTClaimsSet claims) {
    return issuer.ed25519(claims);
  }

  /** A token with {@code header}, signed with the Ed25519 key. */
  public String ed25519(JWSHeader header, JWTClaimsSet claims) {
    return issuer.ed25519(header, claims);
  }

  /** HS256 keyed with the RSA public key. */
  public String hs256WithPublicKey(JWTClaimsSet claims) throws JOSEException {
    return issuer.hs256WithPublicKey(claims);
  }

  /** An unsigned token. */
  public static String none(JWTClaimsSet claims) {
    return TokenIssuer.none(claims);
  }

  /** Adds {@code key}'s public part to the served JWKS. */
  public void publishWith(JWK key) {
    List<JWK> keys = new ArrayList<>(List.of(issuer.ed25519, issuer.ec.toPublicJWK(),
        issuer.rsa.toPublicJWK()));
    keys.add(key.toPublicJWK());
    issuer.publish(keys);
  }

  /** Makes the JWKS endpoint fail (or work again). */
  public void down(boolean down) {
    issuer.down(down);
  }

  @Override
  public void close() {
    issuer.close();
  }
}
