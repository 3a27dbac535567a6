package dev.cairn.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.cairn.log.auth.AuthException;
import dev.cairn.log.auth.AuthSettings;
import dev.cairn.log.auth.JwtAuthenticator;
import dev.cairn.log.auth.Principal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Optional;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Bearer tokens and the JWKS, against a fixed Ed25519 key ({@code kid} "ed-1") and a fixed
 * clock. An {@code Authorization} value is refused with {@link AuthException} 401 or accepted —
 * and accepted only if its signature verifies with the key. Claims the key signed (the issuer
 * signs whatever it is asked to) are accepted only with the right issuer, audience and an
 * unexpired {@code exp}. A JWKS document is used, refused (503) or leaves the token refused
 * (401); a token verifies against it only if it holds the key. Any other exception is a bug.
 */
class JwtFuzzTest {
  private static final String ISSUER = "https://issuer.example";
  private static final String AUDIENCE = "cairn.example/log";
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final Ed25519PrivateKeyParameters KEY =
      new Ed25519PrivateKeyParameters(new byte[32], 0);
  private static final OctetKeyPair PUBLIC = new OctetKeyPair.Builder(Curve.Ed25519,
      Base64URL.encode(KEY.generatePublicKey().getEncoded())).keyID("ed-1").build();
  private static final String HEADER = "{\"alg\":\"EdDSA\",\"kid\":\"ed-1\",\"typ\":\"JWT\"}";
  private static final String GOOD_CLAIMS = "{\"iss\":\"" + ISSUER + "\",\"aud\":\"" + AUDIENCE
      + "\",\"sub\":\"alice\",\"exp\":" + NOW.plusSeconds(300).getEpochSecond()
      + ",\"roles\":[\"submitter\"]}";

  @TempDir static Path dir;
  private static JwtAuthenticator authenticator;
  private static Path jwks;
  private static Path fuzzedJwks;

  @BeforeAll
  static void keys() throws IOException {
    // A JWKS that cannot be used is a WARN each time; a fuzzer makes millions of them.
    ((Logger) LoggerFactory.getLogger("dev.cairn.log.auth")).setLevel(Level.ERROR);
    jwks = dir.resolve("jwks.json");
    Files.writeString(jwks, new JWKSet(PUBLIC).toString(true));
    fuzzedJwks = dir.resolve("fuzzed-jwks.json");
    authenticator = new JwtAuthenticator(settings(jwks), CLOCK);
  }

  @FuzzTest(maxDuration = "2m")
  void token(byte[] data) {
    String authorization = new String(data, StandardCharsets.UTF_8);
    Principal p;
    try {
      p = authenticator.authenticate(authorization);
    } catch (AuthException e) {
      assertThat(e.status()).as(e.getMessage()).isEqualTo(401);
      return;
    }
    String[] parts = authorization.substring("bearer ".length()).strip().split("\\.", -1);
    assertThat(parts).hasSize(3);
    assertThat(verifies(parts[0] + "." + parts[1], new Base64URL(parts[2]).decode())).isTrue();
    assertThat(p.keyId()).isEqualTo("ed-1");
  }

  @FuzzTest(maxDuration = "2m")
  void signedClaims(byte[] claims) {
    Principal p;
    try {
      p = authenticator.authenticate("Bearer " + sign(claims));
    } catch (AuthException e) {
      assertThat(e.status()).as(e.getMessage()).isEqualTo(401);
      return;
    }
    // As the authenticator's own parser reads them: its checks, not the parser, are under test.
    JWTClaimsSet c;
    try {
      c = JWTClaimsSet.parse(new String(claims, StandardCharsets.UTF_8));
    } catch (java.text.ParseException e) {
      throw new AssertionError("claims that do not parse were accepted", e);
    }
    assertThat(c.getIssuer()).isEqualTo(ISSUER);
    assertThat(c.getAudience()).contains(AUDIENCE);
    assertThat(c.getExpirationTime().toInstant().plusSeconds(60)).isAfter(NOW);
    assertThat(p.keyId()).isEqualTo("ed-1");
  }

  @FuzzTest(maxDuration = "2m")
  void jwks(byte[] data) throws IOException {
    Files.write(fuzzedJwks, data);
    JwtAuthenticator fresh = new JwtAuthenticator(settings(fuzzedJwks), CLOCK);
    try {
      fresh.authenticate("Bearer " + sign(GOOD_CLAIMS.getBytes(StandardCharsets.UTF_8)));
      JWKSet used = JWKSet.parse(new String(data, StandardCharsets.UTF_8));
      assertThat(used.getKeys()).noneMatch(JWK::isPrivate);
      assertThat(used.getKeyByKeyId("ed-1")).isInstanceOfSatisfying(OctetKeyPair.class,
          k -> assertThat(k.getDecodedX()).isEqualTo(PUBLIC.getDecodedX()));
    } catch (AuthException e) {
      assertThat(e.status()).as(e.getMessage()).isIn(401, 503);
    } catch (java.text.ParseException e) {
      throw new AssertionError("a JWKS that does not parse was used", e);
    }
    assertThat(fresh.keys()).isNotNull();
  }

  private static AuthSettings settings(Path jwksFile) {
    return new AuthSettings(Optional.of(jwksFile.toString()), Optional.of(ISSUER),
        Optional.of(AUDIENCE), "roles", Duration.ofSeconds(60), false, Duration.ofMinutes(5),
        Duration.ofSeconds(30), Duration.ofHours(1), 8192);
  }

  /** A compact JWS of {@code claims} with the fixed header, signed with the key. */
  private static String sign(byte[] claims) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String input = b64.encodeToString(HEADER.getBytes(StandardCharsets.UTF_8)) + "."
        + b64.encodeToString(claims);
    byte[] bytes = input.getBytes(StandardCharsets.US_ASCII);
    Ed25519Signer s = new Ed25519Signer();
    s.init(true, KEY);
    s.update(bytes, 0, bytes.length);
    return input + "." + b64.encodeToString(s.generateSignature());
  }

  private static boolean verifies(String input, byte[] signature) {
    byte[] bytes = input.getBytes(StandardCharsets.UTF_8);
    Ed25519Signer v = new Ed25519Signer();
    v.init(false, new Ed25519PublicKeyParameters(KEY.generatePublicKey().getEncoded(), 0));
    v.update(bytes, 0, bytes.length);
    return v.verifySignature(signature);
  }
}
