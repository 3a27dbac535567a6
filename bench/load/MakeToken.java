import com.nimbusds.jose.*;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.*;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.*;
import java.nio.file.*;
import java.util.*;
/** Writes a P-256 JWKS and an ES256 token with the role submitter into the directory a[0]. */
public class MakeToken {
  public static void main(String[] a) throws Exception {
    ECKey key = new ECKeyGenerator(Curve.P_256).keyID("bench").generate();
    Files.writeString(Path.of(a[0], "jwks.json"), new JWKSet(key.toPublicJWK()).toString());
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("bench").build(),
        new JWTClaimsSet.Builder().issuer("https://issuer.example").audience("bench").subject("wrk")
            .expirationTime(new Date(System.currentTimeMillis() + 3600_000)).claim("roles", List.of("submitter")).build());
    jwt.sign(new ECDSASigner(key));
    Files.writeString(Path.of(a[0], "token"), jwt.serialize());
  }
}
