package dev.cairn.log.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * A token issuer for tests: Ed25519, P-256 and RSA keys, a JWKS served over real HTTP on
 * loopback (the JDK's server) whose keys the test can change, and tokens with any claims.
 */
final class TokenIssuer implements AutoCloseable {
  static final String ISSUER = "https://issuer.example";
  static final String AUDIENCE = "cairn.example/log";

  final OctetKeyPair ed25519;
  final byte[] ed25519Private;
  final ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
  final RSAKey rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
  private final HttpServer server;
  private volatile List<JWK> published;
  private volatile boolean down;
  final AtomicInteger fetches = new AtomicInteger();

  TokenIssuer() throws IOException, JOSEException {
    Ed25519PrivateKeyParameters priv = new Ed25519PrivateKeyParameters(new SecureRandom());
    ed25519Private = priv.getEncoded();
    ed25519 = new OctetKeyPair.Builder(Curve.Ed25519,
        Base64URL.encode(priv.generatePublicKey().getEncoded())).keyID("ed-1").build();
    published = List.of(ed25519, ec.toPublicJWK(), rsa.toPublicJWK());
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/jwks.json", x -> {
      fetches.incrementAndGet();
      byte[] body = new JWKSet(new ArrayList<>(published)).toString(true)
          .getBytes(StandardCharsets.UTF_8);
      x.sendResponseHeaders(down ? 503 : 200, down ? -1 : body.length);
      if (!down) {
        try (OutputStream o = x.getResponseBody()) {
          o.write(body);
        }
      }
      x.close();
    });
    server.start();
  }

  /** The JWKS URL. */
  String jwksUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json";
  }

  /** Serves these public keys from now on. */
  void publish(List<JWK> keys) {
    published = List.copyOf(keys);
  }

  /** Makes the JWKS endpoint answer 503 (or work again). */
  void down(boolean down) {
    this.down = down;
  }

  /** Claims of a good token for {@code roles}, valid around {@code now}. */
  static JWTClaimsSet.Builder claims(Instant now, String... roles) {
    return new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE).subject("alice")
        .issueTime(Date.from(now)).notBeforeTime(Date.from(now.minusSeconds(10)))
        .expirationTime(Date.from(now.plusSeconds(300))).claim("roles", List.of(roles));
  }

  /** A token signed with the Ed25519 key. */
  String ed25519(JWTClaimsSet claims) {
    return ed25519(new JWSHeader.Builder(JWSAlgorithm.EdDSA).keyID("ed-1").build(), claims);
  }

  /** A token with {@code header}, signed with the Ed25519 key. */
  String ed25519(JWSHeader header, JWTClaimsSet claims) {
    SignedJWT unsigned = new SignedJWT(header, claims);
    byte[] input = unsigned.getSigningInput();
    Ed25519Signer s = new Ed25519Signer();
    s.init(true, new Ed25519PrivateKeyParameters(ed25519Private, 0));
    s.update(input, 0, input.length);
    return header.toBase64URL() + "." + claims.toPayload().toBase64URL() + "."
        + Base64URL.encode(s.generateSignature());
  }

  /** A token signed with the P-256 key. */
  String es256(JWTClaimsSet claims, UnaryOperator<JWSHeader.Builder> header)
      throws JOSEException {
    SignedJWT jwt = new SignedJWT(header.apply(
        new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("ec-1")).build(), claims);
    jwt.sign(new ECDSASigner(ec));
    return jwt.serialize();
  }

  /** A token signed with the RSA key. */
  String rs256(JWTClaimsSet claims) throws JOSEException {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1")
        .build(), claims);
    jwt.sign(new RSASSASigner(rsa));
    return jwt.serialize();
  }

  /** HS256 with the RSA public key's bytes as the secret: the key-confusion attack. */
  String hs256WithPublicKey(JWTClaimsSet claims) throws JOSEException {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("rsa-1")
        .build(), claims);
    jwt.sign(new MACSigner(rsa.toPublicJWK().toRSAPublicKey().getEncoded()));
    return jwt.serialize();
  }

  /** An unsigned token ({@code alg: none}). */
  static String none(JWTClaimsSet claims) {
    return new com.nimbusds.jwt.PlainJWT(claims).serialize();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
