package dev.cairn.log.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * Checks bearer JWTs: the algorithm is one of EdDSA (Ed25519), ES256 and RS256 (2048 bits or
 * more) and matches its key's type — never {@code none}, never an HMAC; the key comes from the
 * JWKS by {@code kid} (required in strict mode); a {@code typ}, if present, is {@code JWT} or
 * {@code at+jwt}; then issuer, audience, {@code exp} (required)
 * and {@code nbf} within the clock skew, and the roles claim, a JSON array of role names.
 */
public final class JwtAuthenticator {
  private static final Set<JWSAlgorithm> ALLOWED =
      Set.of(JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519, JWSAlgorithm.ES256, JWSAlgorithm.RS256);
  private static final String BEARER = "bearer ";
  /**
   * A JWS in compact form: three base64url parts (the last empty for an unsecured JWT, refused
   * later by name). Nimbus would trim control characters around a token and accept it.
   */
  private static final Pattern COMPACT = Pattern.compile(
      "[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");

  private static final int CACHE_LIMIT = 10_000;

  private final AuthSettings settings;
  private final JwksSource jwks;
  private final Clock clock;
  /**
   * Tokens whose signature verified, by their exact text: a client sends the same token with
   * every write until it expires, and verifying an ES256 signature costs far more than the
   * write. A hit still checks the time bounds, and that the JWKS still holds the very key that
   * verified it (a key rotated out stops its tokens at once).
   */
  private final java.util.concurrent.ConcurrentHashMap<String, Verified> verified =
      new java.util.concurrent.ConcurrentHashMap<>();

  private record Verified(Principal principal, JWK key, Instant notBefore, Instant expiry) {}

  /** An authenticator for {@code settings}, which must have a JWKS. */
  public JwtAuthenticator(AuthSettings settings, Clock clock) {
    if (!settings.enabled()) {
      throw new IllegalArgumentException("no JWKS configured");
    }
    this.settings = settings;
    this.clock = clock;
    this.jwks = new JwksSource(settings.jwks().orElseThrow(), settings, clock);
  }

  /** Where the keys come from and how the last fetches went, for operators. */
  public JwksStatus keys() {
    return jwks.status();
  }

  /**
   * The caller an {@code Authorization} header value proves.
   *
   * @throws AuthException 401 naming what is wrong with the credentials, or 503 if the JWKS
   *     cannot be had
   */
  public Principal authenticate(String authorization) throws AuthException {
    if (authorization == null || authorization.isBlank()) {
      throw unauthorized("no credentials: send \"Authorization: Bearer <JWT>\"");
    }
    if (authorization.length() <= BEARER.length()
        || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      throw unauthorized("the Authorization header is not a bearer token");
    }
    // Spaces and tabs around the token only (strip() would also take control characters).
    int from = BEARER.length();
    int to = authorization.length();
    while (from < to && isSpaceOrTab(authorization.charAt(from))) {
      from++;
    }
    while (to > from && isSpaceOrTab(authorization.charAt(to - 1))) {
      to--;
    }
    String token = authorization.substring(from, to);
    if (token.length() > settings.maxTokenBytes()) {
      throw unauthorized("the token is longer than " + settings.maxTokenBytes() + " bytes");
    }
    if (!COMPACT.matcher(token).matches()) {
      throw unauthorized("the token is not a signed JWT: after \"Bearer \" come three base64url"
          + " parts separated by dots");
    }
    Verified hit = verified.get(token);
    if (hit != null) {
      JWK current = jwks.current().getKeyByKeyId(hit.key().getKeyID());
      if (hit.key().equals(current)) {
        checkTimes(hit.notBefore(), hit.expiry());
        return hit.principal();
      }
      verified.remove(token);
    }
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
    } catch (ParseException e) {
      throw unauthorized("the token is not a signed JWT: " + e.getMessage());
    }
    JWSHeader header = jwt.getHeader();
    checkType(header);
    if (!ALLOWED.contains(header.getAlgorithm())) {
      throw unauthorized("the token's algorithm " + header.getAlgorithm()
          + " is not allowed (EdDSA, ES256, RS256)");
    }
    String kid = header.getKeyID();
    List<JWK> candidates = new ArrayList<>();
    if (kid == null) {
      if (settings.strictKeyId()) {
        throw unauthorized("the token names no key (kid), which strict mode requires");
      }
      candidates.addAll(jwks.current().getKeys());
    } else {
      candidates.add(jwks.key(kid).orElseThrow(() -> unauthorized(
          "the token's key \"" + kid + "\" is not in the JWKS")));
    }
    JWK verifiedBy = null;
    String why = "no key in the JWKS fits its algorithm " + header.getAlgorithm();
    for (JWK key : candidates) {
      try {
        if (verify(jwt, key)) {
          verifiedBy = key;
          break;
        }
        why = "its signature does not verify";
      } catch (AuthException e) {
        why = e.getMessage();
      }
    }
    if (verifiedBy == null) {
      throw unauthorized("the token is not valid: " + why);
    }
    Principal p = check(jwt, verifiedBy);
    if (verifiedBy.getKeyID() != null) {
      if (verified.size() >= CACHE_LIMIT) {
        verified.clear();
      }
      try {
        JWTClaimsSet c = jwt.getJWTClaimsSet();
        verified.put(token, new Verified(p, verifiedBy, c.getNotBeforeTime() == null ? null
            : c.getNotBeforeTime().toInstant(), c.getExpirationTime().toInstant()));
      } catch (ParseException e) {
        // check() parsed them already; not cached then.
      }
    }
    return p;
  }

  /**
   * A token that says what it is ({@code typ}) must say it is a JWT or an OAuth access token
   * ({@code JWT} or {@code at+jwt}, in any case, with or without {@code application/}): a token
   * of another type from the same issuer (an ID token profile, a logout or DPoP proof, a
   * security event) is not a credential here, RFC 8725 §3.11. Tokens without {@code typ} are
   * accepted, as most issuers send none.
   */
  private static void checkType(JWSHeader header) throws AuthException {
    if (header.getType() == null) {
      return;
    }
    String typ = header.getType().getType();
    String t = typ.toLowerCase(java.util.Locale.ROOT);
    if (t.startsWith("application/")) {
      t = t.substring("application/".length());
    }
    if (!t.equals("jwt") && !t.equals("at+jwt")) {
      throw unauthorized("the token's type (typ) is "
          + quote(typ.length() > 40 ? typ.substring(0, 40) + "..." : typ)
          + ", not JWT or at+jwt");
    }
  }

  private void checkTimes(Instant notBefore, Instant expiry) throws AuthException {
    Instant now = clock.instant();
    if (!now.isBefore(expiry.plus(settings.clockSkew()))) {
      throw unauthorized("the token expired at " + expiry);
    }
    if (notBefore != null && now.isBefore(notBefore.minus(settings.clockSkew()))) {
      throw unauthorized("the token is not valid before " + notBefore);
    }
  }

  /** Whether {@code key} verifies the token; fails if the key cannot be used with its alg. */
  private static boolean verify(SignedJWT jwt, JWK key) throws AuthException {
    JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
    String kid = key.getKeyID();
    try {
      if (alg.equals(JWSAlgorithm.ES256)) {
        if (!(key instanceof ECKey ec) || !Curve.P_256.equals(ec.getCurve())) {
          throw new AuthException(401, "key \"" + kid + "\" is not a P-256 key, as ES256 needs");
        }
        return jwt.verify(new ECDSAVerifier(ec));
      }
      if (alg.equals(JWSAlgorithm.RS256)) {
        if (!(key instanceof RSAKey rsa) || rsa.size() < 2048) {
          throw new AuthException(401, "key \"" + kid + "\" is not an RSA key of 2048 bits or"
              + " more, as RS256 needs");
        }
        return jwt.verify(new RSASSAVerifier(rsa));
      }
      if (!(key instanceof OctetKeyPair okp) || !Curve.Ed25519.equals(okp.getCurve())) {
        throw new AuthException(401, "key \"" + kid + "\" is not an Ed25519 key, as " + alg
            + " needs");
      }
      byte[] x = okp.getDecodedX();
      if (x.length != Ed25519PublicKeyParameters.KEY_SIZE) {
        // Bouncy Castle would throw IndexOutOfBoundsException on a short key (found by fuzzing).
        throw new AuthException(401, "key \"" + kid + "\" is not an Ed25519 key: its x has "
            + x.length + " bytes, not " + Ed25519PublicKeyParameters.KEY_SIZE);
      }
      byte[] signature = jwt.getSignature().decode();
      if (signature.length != Ed25519PublicKeyParameters.KEY_SIZE * 2) {
        return false;
      }
      Ed25519Signer v = new Ed25519Signer();
      v.init(false, new Ed25519PublicKeyParameters(x, 0));
      byte[] input = jwt.getSigningInput();
      v.update(input, 0, input.length);
      return v.verifySignature(signature);
    } catch (JOSEException | IllegalArgumentException e) {
      throw new AuthException(401, "key \"" + kid + "\" cannot verify the token: "
          + e.getMessage());
    }
  }

  private Principal check(SignedJWT jwt, JWK key) throws AuthException {
    JWTClaimsSet claims;
    try {
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw unauthorized("the token's claims are malformed: " + e.getMessage());
    }
    String issuer = settings.issuer().orElseThrow();
    if (!issuer.equals(claims.getIssuer())) {
      throw unauthorized("the token's issuer is " + quote(claims.getIssuer()) + ", not \""
          + issuer + "\"");
    }
    String audience = settings.audience().orElseThrow();
    if (claims.getAudience() == null || !claims.getAudience().contains(audience)) {
      throw unauthorized("the token is not for audience \"" + audience + "\" (it is for "
          + claims.getAudience() + ")");
    }
    if (claims.getExpirationTime() == null) {
      throw unauthorized("the token has no expiry (exp)");
    }
    checkTimes(claims.getNotBeforeTime() == null ? null
        : claims.getNotBeforeTime().toInstant(), claims.getExpirationTime().toInstant());
    List<String> names;
    try {
      names = claims.getStringListClaim(settings.rolesClaim());
    } catch (ParseException e) {
      throw unauthorized("the token's \"" + settings.rolesClaim()
          + "\" claim is not an array of role names");
    }
    Set<Role> roles = EnumSet.noneOf(Role.class);
    Set<String> roleNames = new java.util.HashSet<>();
    if (names != null) {
      for (String n : names) {
        if (n != null) {
          Role.ofClaim(n).ifPresent(roles::add);
          roleNames.add(n);
        }
      }
    }
    String subject = claims.getSubject() == null ? "(no subject)" : claims.getSubject();
    return new Principal(subject, roles, roleNames, key.getKeyID());
  }

  private static String quote(String s) {
    return s == null ? "missing" : "\"" + s + "\"";
  }

  private static AuthException unauthorized(String reason) {
    return new AuthException(401, reason);
  }

  private static boolean isSpaceOrTab(char c) {
    return c == ' ' || c == '\t';
  }
}
