package dev.cairn.log.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.cairn.log.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every way a token can be wrong, against a real JWKS served over HTTP on loopback. Each is
 * refused with the right status and a reason that names the problem.
 */
class JwtAuthenticatorTest {
  private final TestClock clock = new TestClock(Instant.parse("2026-11-22T10:00:00Z"));
  private TokenIssuer issuer;
  private JwtAuthenticator auth;

  @BeforeEach
  void start() throws Exception {
    issuer = new TokenIssuer();
    auth = new JwtAuthenticator(AuthSettings.jwt(issuer.jwksUrl(), TokenIssuer.ISSUER,
        TokenIssuer.AUDIENCE), clock);
  }

  @AfterEach
  void stop() {
    issuer.close();
  }

  private JWTClaimsSet.Builder claims() {
    return TokenIssuer.claims(clock.instant(), "submitter");
  }

  private void assertRefused(String authorization, int status, String reason) {
    assertThatThrownBy(() -> auth.authenticate(authorization))
        .isInstanceOf(AuthException.class).hasMessageContaining(reason)
        .satisfies(e -> assertThat(((AuthException) e).status()).isEqualTo(status));
  }

  @Test
  void eachAllowedAlgorithmAuthenticatesWithItsRoles() throws Exception {
    JWTClaimsSet c = TokenIssuer.claims(clock.instant(), "submitter", "admin", "unknown").build();
    for (String token : List.of(issuer.ed25519(c), issuer.es256(c, h -> h), issuer.rs256(c))) {
      Principal p = auth.authenticate("Bearer " + token);
      assertThat(p.subject()).isEqualTo("alice");
      assertThat(p.roles()).containsExactlyInAnyOrder(Role.SUBMITTER, Role.ADMIN);
    }
    assertThat(issuer.fetches.get()).isEqualTo(1);
  }

  @Test
  void requestsArrivingDuringTheFirstJwksFetchWaitForIt() throws Exception {
    // Found by the key-rotation test: a request arriving while the very first fetch was under
    // way got 503 "not fetched yet" instead of waiting for it.
    String token = "Bearer " + issuer.ed25519(claims().build());
    int n = 8;
    java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(n);
    List<java.util.concurrent.Future<Principal>> results = new java.util.ArrayList<>();
    try (var pool = java.util.concurrent.Executors.newFixedThreadPool(n)) {
      for (int i = 0; i < n; i++) {
        results.add(pool.submit(() -> {
          start.await();
          return auth.authenticate(token);
        }));
      }
      for (var r : results) {
        assertThat(r.get().subject()).isEqualTo("alice");
      }
    }
    assertThat(issuer.fetches.get()).isEqualTo(1);
  }

  @Test
  void missingOrMalformedCredentials() {
    assertRefused(null, 401, "no credentials");
    assertRefused("", 401, "no credentials");
    assertRefused("Basic YWxpY2U6c2VjcmV0", 401, "not a bearer token");
    assertRefused("Bearer ", 401, "not a bearer token");
    assertRefused("Bearer not.a.jwt", 401, "the token is not a signed JWT");
    assertRefused("Bearer " + "A".repeat(9000), 401, "longer than 8192 bytes");
  }

  @Test
  void expiryAndNotBeforeWithinTheSkewOnly() throws Exception {
    Instant now = clock.instant();
    String expired30s = issuer.ed25519(claims().expirationTime(Date.from(now.minusSeconds(30)))
        .build());
    assertThat(auth.authenticate("Bearer " + expired30s).subject()).isEqualTo("alice");
    String expired61s = issuer.ed25519(claims().expirationTime(Date.from(now.minusSeconds(61)))
        .build());
    assertRefused("Bearer " + expired61s, 401, "the token expired at 2026-11-22T09:58:59Z");
    String early = issuer.ed25519(claims().notBeforeTime(Date.from(now.plusSeconds(59)))
        .build());
    assertThat(auth.authenticate("Bearer " + early).subject()).isEqualTo("alice");
    String tooEarly = issuer.ed25519(claims().notBeforeTime(Date.from(now.plusSeconds(61)))
        .build());
    assertRefused("Bearer " + tooEarly, 401, "not valid before 2026-11-22T10:01:01Z");
    String noExpiry = issuer.ed25519(claims().expirationTime(null).build());
    assertRefused("Bearer " + noExpiry, 401, "no expiry (exp)");
  }

  @Test
  void wrongIssuerAudienceOrRoleClaim() throws Exception {
    assertRefused("Bearer " + issuer.ed25519(claims().issuer("https://evil.example").build()),
        401, "the token's issuer is \"https://evil.example\", not \"https://issuer.example\"");
    assertRefused("Bearer " + issuer.ed25519(claims().issuer(null).build()), 401,
        "the token's issuer is missing");
    assertRefused("Bearer " + issuer.ed25519(claims().audience("other").build()), 401,
        "not for audience \"cairn.example/log\"");
    assertRefused("Bearer " + issuer.ed25519(claims().claim("roles", "submitter").build()), 401,
        "\"roles\" claim is not an array of role names");
    assertThat(auth.authenticate("Bearer " + issuer.ed25519(claims().claim("roles", null)
        .build())).roles()).isEmpty();
  }

  @Test
  void algorithmsOutsideTheAllowListAndKeyConfusion() throws Exception {
    assertRefused("Bearer " + TokenIssuer.none(claims().build()), 401, "not a signed JWT");
    assertRefused("Bearer " + issuer.hs256WithPublicKey(claims().build()), 401,
        "algorithm HS256 is not allowed");
    // An ES256 header naming the RSA key, and an EdDSA token naming the P-256 key.
    assertRefused("Bearer " + issuer.es256(claims().build(), h -> h.keyID("rsa-1")), 401,
        "key \"rsa-1\" is not a P-256 key");
    assertRefused("Bearer " + issuer.ed25519(new JWSHeader.Builder(JWSAlgorithm.EdDSA)
        .keyID("ec-1").build(), claims().build()), 401, "key \"ec-1\" is not an Ed25519 key");
  }

  /** Found by fuzzing ({@code JwtFuzzTest#token}): Nimbus trims control characters. */
  @Test
  void aGoodTokenWithControlCharactersAroundOrInsideItIsRefused() throws Exception {
    String token = issuer.ed25519(claims().build());
    assertThat(auth.authenticate("Bearer " + token).subject()).isEqualTo("alice");
    assertThat(auth.authenticate("Bearer \t " + token + " ").subject()).isEqualTo("alice");
    for (String bad : List.of("\0\0" + token, token + "\0", token.replace(".", ".\u0001"),
        "\u0085" + token, "\u001f" + token, token + "\r\n")) {
      assertRefused("Bearer " + bad, 401,
          "the token is not a signed JWT: after \"Bearer \" come three base64url parts");
    }
  }

  /** Found by fuzzing ({@code JwtFuzzTest#jwks}): this was an IndexOutOfBoundsException. */
  @Test
  void anEd25519KeyOfTheWrongLengthInTheJwksIsARefusalNotACrash() throws Exception {
    byte[] x = issuer.ed25519.getX().decode();
    issuer.publish(List.of(new OctetKeyPair.Builder(Curve.Ed25519,
        Base64URL.encode(java.util.Arrays.copyOf(x, 31))).keyID("ed-1").build()));
    assertRefused("Bearer " + issuer.ed25519(claims().build()), 401,
        "key \"ed-1\" is not an Ed25519 key: its x has 31 bytes, not 32");
  }

  @Test
  void aTokenOfAnotherTypeIsRefusedButAJwtOrAccessTokenOrNoTypeIsNot() throws Exception {
    for (String typ : List.of("JWT", "jwt", "at+jwt", "AT+JWT", "application/at+jwt",
        "application/JWT")) {
      String token = issuer.es256(claims().build(),
          h -> h.type(new com.nimbusds.jose.JOSEObjectType(typ)));
      assertThat(auth.authenticate("Bearer " + token).subject()).as(typ).isEqualTo("alice");
    }
    assertThat(auth.authenticate("Bearer " + issuer.es256(claims().build(), h -> h.type(null)))
        .subject()).isEqualTo("alice");
    // An RFC 9449 DPoP proof, a logout token, a security event: signed by the same issuer, but
    // not credentials for a write.
    for (String typ : List.of("dpop+jwt", "logout+jwt", "secevent+jwt", "application/jose",
        "JWS")) {
      assertRefused("Bearer " + issuer.es256(claims().build(),
          h -> h.type(new com.nimbusds.jose.JOSEObjectType(typ))), 401,
          "the token's type (typ) is \"" + typ + "\", not JWT or at+jwt");
    }
  }

  @Test
  void aTamperedTokenDoesNotVerify() throws Exception {
    String token = issuer.ed25519(claims().build());
    String[] parts = token.split("\\.");
    String otherPayload = TokenIssuer.claims(clock.instant(), "admin").build().toPayload()
        .toBase64URL().toString();
    assertRefused("Bearer " + parts[0] + "." + otherPayload + "." + parts[2], 401,
        "its signature does not verify");
  }

  @Test
  void strictModeNeedsAKeyIdAndAWeakRsaKeyIsRefused() throws Exception {
    assertRefused("Bearer " + issuer.es256(claims().build(), h -> h.keyID(null)), 401,
        "names no key (kid), which strict mode requires");
    AuthSettings lax = new AuthSettings(Optional.of(issuer.jwksUrl()),
        Optional.of(TokenIssuer.ISSUER), Optional.of(TokenIssuer.AUDIENCE), "roles",
        Duration.ofSeconds(60), false, Duration.ofMinutes(5), Duration.ofSeconds(30),
        Duration.ofHours(1), 8192);
    JwtAuthenticator laxAuth = new JwtAuthenticator(lax, clock);
    assertThat(laxAuth.authenticate("Bearer " + issuer.es256(claims().build(),
        h -> h.keyID(null))).keyId()).isEqualTo("ec-1");

    var weak = new RSAKeyGenerator(1024, true).keyID("weak").generate();
    issuer.publish(List.of(weak.toPublicJWK()));
    clock.advance(Duration.ofMinutes(6));
    com.nimbusds.jwt.SignedJWT jwt = new com.nimbusds.jwt.SignedJWT(new JWSHeader.Builder(
        JWSAlgorithm.RS256).keyID("weak").build(), claims().build());
    jwt.sign(new com.nimbusds.jose.crypto.RSASSASigner(weak.toPrivateKey(), true));
    assertRefused("Bearer " + jwt.serialize(), 401, "not an RSA key of 2048 bits or more");
  }

  @Test
  void anUnknownKeyTriggersOneRateLimitedRefreshThenTheRotatedKeyWorks() throws Exception {
    ECKey next = new ECKeyGenerator(Curve.P_256).keyID("ec-2").generate();
    auth.authenticate("Bearer " + issuer.ed25519(claims().build()));
    assertThat(issuer.fetches.get()).isEqualTo(1);
    com.nimbusds.jwt.SignedJWT rotated = new com.nimbusds.jwt.SignedJWT(new JWSHeader.Builder(
        JWSAlgorithm.ES256).keyID("ec-2").build(), claims().build());
    rotated.sign(new com.nimbusds.jose.crypto.ECDSASigner(next));
    String token = "Bearer " + rotated.serialize();

    assertRefused(token, 401, "the token's key \"ec-2\" is not in the JWKS");
    assertThat(issuer.fetches.get()).as("one refresh for the unknown key").isEqualTo(2);
    issuer.publish(List.of(issuer.ed25519, next.toPublicJWK()));
    assertRefused(token, 401, "is not in the JWKS");
    assertThat(issuer.fetches.get()).as("no second refresh within 30 s").isEqualTo(2);
    clock.advance(Duration.ofSeconds(31));
    assertThat(auth.authenticate(token).keyId()).isEqualTo("ec-2");
    assertThat(issuer.fetches.get()).isEqualTo(3);
  }

  @Test
  void anUnreachableJwksFailsClosed() throws Exception {
    issuer.down(true);
    String token = "Bearer " + issuer.ed25519(claims().build());
    assertRefused(token, 503, "the issuer's keys (JWKS) cannot be loaded");
    issuer.down(false);
    clock.advance(Duration.ofSeconds(31));
    assertThat(auth.authenticate(token).subject()).isEqualTo("alice");
    // Down again: the keys fetched before serve until they are an hour old, then nothing does.
    issuer.down(true);
    clock.advance(Duration.ofMinutes(30));
    String later = "Bearer " + issuer.ed25519(claims().build());
    assertThat(auth.authenticate(later).subject()).isEqualTo("alice");
    clock.advance(Duration.ofMinutes(31));
    String latest = "Bearer " + issuer.ed25519(claims().build());
    assertRefused(latest, 503, "the issuer's keys (JWKS) are out of date");
  }

  @Test
  void aJwksFileWorksAndPrivateKeysInItAreRefused(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path dir) throws Exception {
    java.nio.file.Path file = dir.resolve("jwks.json");
    java.nio.file.Files.writeString(file, new com.nimbusds.jose.jwk.JWKSet(
        issuer.ec.toPublicJWK()).toString());
    JwtAuthenticator fromFile = new JwtAuthenticator(AuthSettings.jwt(file.toString(),
        TokenIssuer.ISSUER, TokenIssuer.AUDIENCE), clock);
    assertThat(fromFile.authenticate("Bearer " + issuer.es256(claims().build(), h -> h))
        .keyId()).isEqualTo("ec-1");
    java.nio.file.Files.writeString(file, new com.nimbusds.jose.jwk.JWKSet(issuer.ec)
        .toString(false));
    JwtAuthenticator leaky = new JwtAuthenticator(AuthSettings.jwt(file.toString(),
        TokenIssuer.ISSUER, TokenIssuer.AUDIENCE), clock);
    assertThatThrownBy(() -> leaky.authenticate("Bearer " + issuer.es256(claims().build(),
        h -> h))).hasMessageContaining("the issuer's keys (JWKS) cannot be loaded");
    assertThat(leaky.keys().lastError()).isEqualTo("it holds private keys");
  }

  @Test
  void aVerifiedTokenIsRememberedButStillExpiresAndDiesWithItsKey() throws Exception {
    String token = "Bearer " + issuer.es256(claims().build(), h -> h);
    Principal first = auth.authenticate(token);
    assertThat(auth.authenticate(token)).isEqualTo(first);
    String other = "Bearer " + issuer.ed25519(claims().build());
    assertThat(auth.authenticate(other).keyId()).isEqualTo("ed-1");

    // The P-256 key is rotated out; once the JWKS is fetched again its tokens stop working.
    issuer.publish(List.of(issuer.ed25519));
    clock.advance(Duration.ofMinutes(5));
    assertRefused(token, 401, "the token's key \"ec-1\" is not in the JWKS");
    assertThat(auth.authenticate(other).keyId()).isEqualTo("ed-1");
    // Past its expiry (300 s) and the skew, the remembered token is refused too.
    clock.advance(Duration.ofSeconds(61));
    assertRefused(other, 401, "the token expired at");
  }
}
