package dev.cairn.note;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** ECDSA P-256 note signatures (type 0x02) against real published checkpoints and JDK keys. */
class EcdsaNoteTest {
  private record Vector(String vkey, String note) {
    String text() {
      return note.substring(0, note.indexOf("\n\n") + 1);
    }
  }

  private static final List<Vector> VECTORS = new ArrayList<>();

  @BeforeAll
  static void load() throws IOException {
    String all;
    try (InputStream in = EcdsaNoteTest.class.getResourceAsStream(
        "/vectors/signed-note-ecdsa.txt")) {
      all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    String vkey = null;
    StringBuilder note = new StringBuilder();
    for (String l : all.lines().toList()) {
      if (l.startsWith("#") || (vkey == null && l.isBlank())) {
        continue;
      }
      if (l.startsWith("VKEY=")) {
        vkey = l.substring(5);
      } else if (l.equals("END")) {
        VECTORS.add(new Vector(vkey, note.toString()));
        vkey = null;
        note.setLength(0);
      } else {
        note.append(l.equals("<blank>") ? "" : l).append('\n');
      }
    }
    assertThat(VECTORS).hasSize(2);
  }

  @Test
  void publishedKeysParseWithTheSpkiKeyIdRule() throws Exception {
    for (Vector v : VECTORS) {
      VerifierKey k = VerifierKey.parse(v.vkey());
      assertThat(k.type()).isEqualTo(SignatureType.ECDSA_P256);
      byte[] sha = MessageDigest.getInstance("SHA-256").digest(k.publicKey());
      assertThat(KeyNames.hex(k.keyId())).isEqualTo(HexFormat.of().formatHex(sha, 0, 4));
      assertThat(k.encode()).isEqualTo(v.vkey());
    }
  }

  @Test
  void publishedCheckpointsVerify() throws Exception {
    for (Vector v : VECTORS) {
      VerifierKey k = VerifierKey.parse(v.vkey());
      VerifiedNote opened = SignedNote.parse(v.note().getBytes(StandardCharsets.UTF_8))
          .open(VerifierSet.ofKeys(List.of(k)));
      assertThat(opened.isSignedBy(k.name(), k.keyId())).isTrue();
      assertThat(opened.text()).isEqualTo(v.text());
    }
  }

  @Test
  void aChangedTextOrSignatureFails() throws Exception {
    Vector v = VECTORS.get(0);
    VerifierKey k = VerifierKey.parse(v.vkey());
    String changed = v.note().replace("798034", "798035");
    assertThatThrownBy(() -> SignedNote.parse(changed.getBytes(StandardCharsets.UTF_8))
        .open(VerifierSet.ofKeys(List.of(k))))
        .isInstanceOf(NoteException.class).hasMessageContaining("does not verify");
    NoteVerifier verifier = k.verifier();
    String sigB64 = v.note().substring(v.note().lastIndexOf(' ') + 1).strip();
    byte[] sig = Base64.getDecoder().decode(sigB64);
    byte[] der = Arrays.copyOfRange(sig, 4, sig.length);
    byte[] text = v.text().getBytes(StandardCharsets.UTF_8);
    assertThat(verifier.verify(text, der)).isTrue();
    byte[] flipped = der.clone();
    flipped[flipped.length - 1] ^= 1;
    assertThat(verifier.verify(text, flipped)).isFalse();
    byte[] trailing = Arrays.copyOf(der, der.length + 1);
    assertThat(verifier.verify(text, trailing)).isFalse();
    assertThat(verifier.verify(text, new byte[0])).isFalse();
  }

  @Test
  void aKeyIdComputedTheEd25519WayIsRefused() {
    VerifierKey k = VerifierKey.parse(VECTORS.get(0).vkey());
    int wrong = KeyNames.keyId(k.name(), 0x01, k.publicKey());
    String bad = k.name() + "+" + KeyNames.hex(wrong) + "+" + k.encode().split("\\+", 3)[2];
    assertThatThrownBy(() -> VerifierKey.parse(bad))
        .hasMessageContaining("does not match the key");
  }

  @Test
  void signsWithAJcaKeyAndVerifiesItsOwnSignatures() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair pair = g.generateKeyPair();
    VerifierKey vk = EcdsaNote.verifierKey("example.com/hsm-log", pair.getPublic());
    NoteSigner signer = EcdsaNote.signer(vk, pair.getPrivate(), g.getProvider());
    assertThat(signer.keyId()).isEqualTo(vk.keyId());
    byte[] note = SignedNote.sign("example.com/hsm-log\n5\nAAAA\n", List.of(signer)).encode();
    VerifiedNote opened = SignedNote.parse(note).open(VerifierSet.ofKeys(
        List.of(VerifierKey.parse(vk.encode()))));
    assertThat(opened.isSignedBy(vk.name(), vk.keyId())).isTrue();
  }

  @Test
  void otherCurvesAndSeedKeysAreRefused() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp384r1"));
    KeyPair p384 = g.generateKeyPair();
    assertThatThrownBy(() -> EcdsaNote.verifierKey("example.com/x", p384.getPublic()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("P-256");
    byte[] raw = new byte[33];
    raw[0] = 0x02;
    String skey = "PRIVATE+KEY+example.com/x+00000000+"
        + Base64.getEncoder().encodeToString(raw);
    assertThatThrownBy(() -> SignerKey.parse(skey))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("HSM");
  }
}
