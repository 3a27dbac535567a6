package dev.cairn.note;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class KeysTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @Test
  void everyTypeRoundTripsThroughItsTextForms() {
    for (SignatureType t : SignatureType.values()) {
      if (t == SignatureType.ECDSA_P256) {
        continue; // HSM keys, not seeds: EcdsaNoteTest
      }
      SignerKey s = SignerKey.generate("example.com/log", t, RANDOM);
      assertThat(SignerKey.parse(s.encode()).verifierKey()).isEqualTo(s.verifierKey());
      VerifierKey v = VerifierKey.parse(s.verifierKey().encode());
      assertThat(v.type()).isEqualTo(t);
      assertThat(v.publicKey()).hasSize(t.publicKeySize());
      assertThat(v.keyId()).isEqualTo(KeyNames.keyId("example.com/log", t.id(), v.publicKey()));
    }
  }

  @Test
  void keyIdsDependOnTheTypeByte() {
    byte[] seed = new byte[32];
    SignerKey ed = SignerKey.fromSeed("w", SignatureType.ED25519, seed);
    SignerKey cosig = SignerKey.fromSeed("w", SignatureType.COSIGNATURE_V1, seed);
    assertThat(ed.verifierKey().publicKey()).isEqualTo(cosig.verifierKey().publicKey());
    assertThat(ed.keyId()).isNotEqualTo(cosig.keyId());
  }

  @Test
  void badVerifierKeysSayWhy() {
    String good = SignerKey.generate("a", SignatureType.ED25519, RANDOM).verifierKey().encode();
    String[] p = good.split("\\+", 3);
    assertThatThrownBy(() -> VerifierKey.parse("a+" + p[1])).hasMessageContaining("parts");
    assertThatThrownBy(() -> VerifierKey.parse("b+" + p[1] + "+" + p[2]))
        .hasMessageContaining("does not match");
    assertThatThrownBy(() -> VerifierKey.parse("a+0123ABCD+" + p[2]))
        .hasMessageContaining("lowercase hex");
    assertThatThrownBy(() -> VerifierKey.parse("a b+" + p[1] + "+" + p[2]))
        .hasMessageContaining("invalid key name");
    assertThatThrownBy(() -> VerifierKey.parse("a+" + p[1] + "+" + p[2].substring(0, 43)))
        .hasMessageContaining("base64");
    byte[] raw = Base64.getDecoder().decode(p[2]);
    raw[0] = 0x03;
    assertThatThrownBy(() -> VerifierKey.parse(
        "a+" + p[1] + "+" + Base64.getEncoder().encodeToString(raw)))
        .hasMessageContaining("unsupported signature type 0x03");
    byte[] shortKey = java.util.Arrays.copyOf(Base64.getDecoder().decode(p[2]), 20);
    assertThatThrownBy(() -> VerifierKey.parse(
        "a+" + p[1] + "+" + Base64.getEncoder().encodeToString(shortKey)))
        .hasMessageContaining("must be 32 bytes");
  }

  @Test
  void badSignerKeysSayWhyWithoutEchoingTheSecret() {
    String good = SignerKey.generate("a", SignatureType.ED25519, RANDOM).encode();
    String secret = good.split("\\+", 5)[4];
    byte[] raw = Base64.getDecoder().decode(secret);
    raw[5] ^= 1;
    String tampered = good.substring(0, good.length() - secret.length())
        + Base64.getEncoder().encodeToString(raw);
    assertThatThrownBy(() -> SignerKey.parse(tampered))
        .hasMessageNotContaining(secret).hasMessageContaining("does not match");
    assertThatThrownBy(() -> SignerKey.parse(good.substring(8)))
        .hasMessageContaining("PRIVATE+KEY+");
    assertThatThrownBy(() -> SignerKey.parse("PRIVATE+KEY+a+00000000+AQ=="))
        .hasMessageContaining("32-byte seed");
  }

  @Test
  void keyNamesFollowGosRules() {
    assertThat(KeyNames.isValid("example.com/log")).isTrue();
    assertThat(KeyNames.isValid("ünïcödé")).isTrue();
    assertThat(KeyNames.isValid("x".repeat(255))).isTrue();
    assertThat(KeyNames.isValid("\u00e9".repeat(127))).isTrue();
    for (String bad : new String[] {"", "a b", "a+b", "a\tb", "a\u00a0b", "a\u2003b", "a\u0085b",
        "a\u3000b", "\ud800", "x".repeat(256), "\u00e9".repeat(128)}) {
      assertThat(KeyNames.isValid(bad)).as(bad).isFalse();
    }
  }
}
