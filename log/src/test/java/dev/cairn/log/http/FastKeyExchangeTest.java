package dev.cairn.log.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Security;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.KeyAgreement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The provider TLS gets its X25519 from: RFC 7748's vectors, the same secrets as the JDK's own
 * X25519 with keys made by either, and small-order keys refused as the JDK refuses them.
 */
class FastKeyExchangeTest {
  private static final NamedParameterSpec X25519 = NamedParameterSpec.X25519;
  private static final Map<String, String> VECTORS = new HashMap<>();
  private static final List<String> SMALL = new ArrayList<>();
  private static Provider ours;
  private static Provider jdk;

  @BeforeAll
  static void load() throws IOException {
    try (InputStream in = FastKeyExchangeTest.class.getResourceAsStream("/x25519/rfc7748.txt")) {
      new String(in.readAllBytes(), UTF_8).lines()
          .filter(l -> !l.isBlank() && !l.startsWith("#"))
          .map(l -> l.split(" "))
          .forEach(f -> {
            if (f[0].equals("small")) {
              SMALL.add(f[1]);
            } else {
              VECTORS.put(f[0], f[1]);
            }
          });
    }
    FastKeyExchange.install();
    ours = Security.getProvider(FastKeyExchange.NAME);
    jdk = Security.getProvider("SunEC");
  }

  @Test
  void installedOnceAndFirstForXdhOnly() throws Exception {
    FastKeyExchange.install();
    assertThat(Security.getProviders()).filteredOn(p -> p.getName().equals(FastKeyExchange.NAME))
        .hasSize(1);
    for (String type : new String[] {"KeyPairGenerator", "KeyFactory", "KeyAgreement"}) {
      assertThat(Security.getProviders(type + ".XDH")[0]).as(type).isSameAs(ours);
    }
    assertThat(ours.getServices()).hasSize(3);
    assertThat(KeyAgreement.getInstance("ECDH").getProvider()).isNotSameAs(ours);
  }

  @Test
  void rfc7748SharedSecret() throws Exception {
    PublicKey alice = publicKey(ours, VECTORS.get("alice.public"));
    PublicKey bob = publicKey(ours, VECTORS.get("bob.public"));
    assertThat(hex(agree(ours, privateKey(ours, VECTORS.get("alice.private")), bob)))
        .isEqualTo(VECTORS.get("shared"));
    assertThat(hex(agree(ours, privateKey(ours, VECTORS.get("bob.private")), alice)))
        .isEqualTo(VECTORS.get("shared"));
  }

  @Test
  void agreesWithTheJdksX25519EitherWayRound() throws Exception {
    for (int i = 0; i < 20; i++) {
      KeyPair mine = pair(ours);
      KeyPair theirs = pair(jdk);
      byte[] here = agree(ours, mine.getPrivate(), publicKey(ours, theirs.getPublic()));
      byte[] there = agree(jdk, theirs.getPrivate(), publicKey(jdk, mine.getPublic()));
      assertThat(here).hasSize(32).isEqualTo(there);
    }
  }

  @Test
  void smallOrderKeysAreRefusedAsTheJdkRefusesThem() throws Exception {
    assertThat(SMALL).hasSize(7);
    for (String u : SMALL) {
      for (Provider p : new Provider[] {ours, jdk}) {
        PrivateKey mine = pair(p).getPrivate();
        PublicKey bad = publicKey(p, u);
        assertThatThrownBy(() -> agree(p, mine, bad)).as("%s, u = %s", p.getName(), u)
            .isInstanceOf(InvalidKeyException.class);
      }
    }
  }

  @Test
  void coordinatesWithTheTopBitSetAreTakenAsTheJdkTakesThem() throws Exception {
    // JSSE passes a key share's 256 bits on unmasked; both reduce them mod p.
    java.security.SecureRandom random = new java.security.SecureRandom();
    for (int i = 0; i < 20; i++) {
      byte[] u = new byte[32];
      random.nextBytes(u);
      u[31] |= (byte) 0x80;
      String hex = hex(u);
      KeyPair mine = pair(jdk);
      PrivateKey same = KeyFactory.getInstance("XDH", ours).generatePrivate(
          new XECPrivateKeySpec(X25519, ((java.security.interfaces.XECPrivateKey) mine
              .getPrivate()).getScalar().orElseThrow()));
      assertThat(agree(ours, same, publicKey(ours, hex))).as(hex)
          .isEqualTo(agree(jdk, mine.getPrivate(), publicKey(jdk, hex)));
    }
  }

  @Test
  void x448AgreesWithTheJdksToo() throws Exception {
    KeyPair mine = pair(ours, NamedParameterSpec.X448);
    KeyPair theirs = pair(jdk, NamedParameterSpec.X448);
    byte[] here = agree(ours, mine.getPrivate(), KeyFactory.getInstance("XDH", ours)
        .generatePublic(new XECPublicKeySpec(NamedParameterSpec.X448,
            ((XECPublicKey) theirs.getPublic()).getU())));
    byte[] there = agree(jdk, theirs.getPrivate(), KeyFactory.getInstance("XDH", jdk)
        .generatePublic(new XECPublicKeySpec(NamedParameterSpec.X448,
            ((XECPublicKey) mine.getPublic()).getU())));
    assertThat(here).hasSize(56).isEqualTo(there);
  }

  @Test
  void theJdksKeysAgreeWhicheverProviderTheAgreementPicks() throws Exception {
    KeyPair a = pair(jdk);
    KeyPair b = pair(jdk);
    KeyAgreement any = KeyAgreement.getInstance("XDH");
    any.init(a.getPrivate());
    any.doPhase(b.getPublic(), true);
    assertThat(any.generateSecret()).isEqualTo(agree(jdk, b.getPrivate(), a.getPublic()));
  }

  @Test
  void misuseIsRefusedWithTheJdksExceptions() throws Exception {
    KeyPair x25519 = pair(ours);
    KeyPair x448 = pair(ours, NamedParameterSpec.X448);
    KeyAgreement a = KeyAgreement.getInstance("XDH", ours);
    assertThatThrownBy(() -> a.doPhase(x25519.getPublic(), true))
        .isInstanceOf(IllegalStateException.class);
    a.init(x25519.getPrivate());
    assertThatThrownBy(() -> a.doPhase(x25519.getPublic(), false))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("one phase");
    assertThatThrownBy(() -> a.doPhase(x448.getPublic(), true))
        .isInstanceOf(InvalidKeyException.class).hasMessageContaining("different curves");
    assertThatThrownBy(a::generateSecret).as("no secret after a refused key")
        .isInstanceOf(IllegalStateException.class);
    PublicKey small = publicKey(ours, SMALL.get(0));
    assertThatThrownBy(() -> a.doPhase(small, true)).isInstanceOf(InvalidKeyException.class);
    assertThatThrownBy(a::generateSecret).as("no secret after a small-order key")
        .isInstanceOf(IllegalStateException.class);
    KeyPair peer = pair(ours);
    a.doPhase(peer.getPublic(), true);
    assertThatThrownBy(() -> a.doPhase(peer.getPublic(), true)).as("a second phase")
        .isInstanceOf(IllegalStateException.class);
    byte[] first = a.generateSecret();
    assertThatThrownBy(a::generateSecret).as("the secret is given once")
        .isInstanceOf(IllegalStateException.class);
    a.doPhase(peer.getPublic(), true);
    byte[] again = new byte[40];
    assertThat(a.generateSecret(again, 8)).isEqualTo(32);
    assertThat(java.util.Arrays.copyOfRange(again, 8, 40)).isEqualTo(first)
        .isEqualTo(agree(jdk, KeyFactory.getInstance("XDH", jdk).generatePrivate(
            new XECPrivateKeySpec(X25519, ((java.security.interfaces.XECPrivateKey)
                peer.getPrivate()).getScalar().orElseThrow())), x25519.getPublic()));
  }

  private static KeyPair pair(Provider p) throws Exception {
    return pair(p, X25519);
  }

  private static KeyPair pair(Provider p, NamedParameterSpec curve) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("XDH", p);
    g.initialize(curve);
    return g.generateKeyPair();
  }

  private static byte[] agree(Provider p, PrivateKey mine, PublicKey theirs) throws Exception {
    KeyAgreement a = KeyAgreement.getInstance("XDH", p);
    a.init(mine);
    a.doPhase(theirs, true);
    return a.generateSecret("TlsPremasterSecret").getEncoded();
  }

  private static PrivateKey privateKey(Provider p, String scalar) throws Exception {
    return KeyFactory.getInstance("XDH", p).generatePrivate(
        new XECPrivateKeySpec(X25519, HexFormat.of().parseHex(scalar)));
  }

  /** The wire's little-endian u as a key, as JSSE decodes a key share (all 256 bits). */
  private static PublicKey publicKey(Provider p, String u) throws Exception {
    byte[] le = HexFormat.of().parseHex(u);
    byte[] be = new byte[le.length];
    for (int i = 0; i < le.length; i++) {
      be[i] = le[le.length - 1 - i];
    }
    return KeyFactory.getInstance("XDH", p)
        .generatePublic(new XECPublicKeySpec(X25519, new BigInteger(1, be)));
  }

  private static PublicKey publicKey(Provider p, PublicKey other) throws Exception {
    return KeyFactory.getInstance("XDH", p)
        .generatePublic(new XECPublicKeySpec(X25519, ((XECPublicKey) other).getU()));
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
