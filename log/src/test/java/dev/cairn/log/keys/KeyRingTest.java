package dev.cairn.log.keys;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.note.SignatureType;
import dev.cairn.note.SignerKey;
import java.io.IOException;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

/** {@code keys/ring.json}: what it accepts, what it refuses, and rings of older versions. */
class KeyRingTest {
  private static final String ED = SignerKey.generate("example.com/ring", SignatureType.ED25519,
      new SecureRandom()).verifierKey().encode();
  private static final String ED2 = SignerKey.generate("example.com/ring",
      SignatureType.ED25519, new SecureRandom()).verifierKey().encode();

  private static KeyRing ring(String keys) throws IOException {
    return KeyRing.parse(("{\"schema_version\":1,\"keys\":[" + keys + "]}").getBytes(UTF_8));
  }

  private static String entry(String vkey, String where) {
    return "{\"vkey\":\"" + vkey + "\",\"state\":\"active\"," + where
        + ",\"added\":\"2026-11-01T00:00:00Z\"}";
  }

  @Test
  void aRingRoundTripsThroughItsJson() throws Exception {
    KeyRing r = ring(entry(ED, "\"file\":\"log.skey\"") + ","
        + entry(ED2, "\"pkcs11_label\":\"log-2026\""));
    assertThat(KeyRing.parse(r.encode())).isEqualTo(r);
    assertThat(r.active()).extracting(KeyRing.Entry::pkcs11Label)
        .containsExactly(null, "log-2026");
  }

  @Test
  void aKeysSuccessorsAreTheOtherActiveKeysOfItsKind() throws Exception {
    String ml = SignerKey.generate("example.com/ring", SignatureType.MLDSA44_SUBTREE_V1,
        new SecureRandom()).verifierKey().encode();
    KeyRing r = ring(entry(ED, "\"file\":\"a.skey\"") + "," + entry(ED2, "\"file\":\"b.skey\"")
        + "," + entry(ml, "\"file\":\"m.skey\""));
    int ed = r.keys().get(0).key().keyId();
    int ed2 = r.keys().get(1).key().keyId();
    int mldsa = r.keys().get(2).key().keyId();
    assertThat(r.successors(ed)).extracting(e -> e.key().keyId()).containsExactly(ed2);
    assertThat(r.successors(mldsa)).as("the only ML-DSA-44 key").isEmpty();
    assertThat(r.successors(ed ^ ed2 ^ mldsa)).as("no such key").isEmpty();
    KeyRing after = r.retire(ed, java.time.Instant.parse("2026-11-02T00:00:00Z"));
    assertThat(after.successors(ed2)).as("a retired key succeeds nothing").isEmpty();
    assertThatThrownBy(() -> after.retire(ed2, java.time.Instant.parse("2026-11-03T00:00:00Z")))
        .hasMessageContaining("would leave no active Ed25519 or ECDSA key");
  }

  @Test
  void aRingFromBeforeTheLabelRenameStillReads() throws Exception {
    KeyRing old = ring(entry(ED, "\"file\":\"log.skey\"") + ","
        + entry(ED2, "\"pkcs11_alias\":\"log-2026\""));
    assertThat(old.keys().get(1).pkcs11Label()).isEqualTo("log-2026");
    assertThat(new String(old.encode(), UTF_8)).contains("\"pkcs11_label\"")
        .doesNotContain("pkcs11_alias");
  }

  @Test
  void badRingsAreRefusedNamingWhatIsWrong() {
    assertThatThrownBy(() -> ring(entry(ED, "\"file\":\"log.skey\",\"colour\":\"red\"")))
        .isInstanceOf(IOException.class).hasMessageContaining("colour");
    assertThatThrownBy(() -> ring(entry(ED, "\"file\":\"log.skey\",\"pkcs11_label\":\"k\"")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("must name exactly one of a file or a pkcs11_label");
    assertThatThrownBy(() -> ring("{\"vkey\":\"" + ED + "\",\"state\":\"active\","
        + "\"added\":\"2026-11-01T00:00:00Z\"}"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("must name exactly one of a file or a pkcs11_label");
    assertThatThrownBy(() -> ring(entry(ED, "\"file\":\"../log.skey\"")))
        .isInstanceOf(IOException.class).hasMessageContaining("must be a plain name");
    assertThatThrownBy(() -> ring(entry(ED, "\"file\":\"a.skey\"") + ","
        + entry(ED, "\"file\":\"b.skey\"")))
        .isInstanceOf(IOException.class).hasMessageContaining("twice");
    assertThatThrownBy(() -> KeyRing.parse(("{\"schema_version\":2,\"keys\":["
        + entry(ED, "\"file\":\"log.skey\"") + "]}").getBytes(UTF_8)))
        .isInstanceOf(IOException.class).hasMessageContaining("schema_version must be 1");
    assertThatThrownBy(() -> ring(entry(ED, "\"file\":\"log.skey\"").replace("active",
        "retired"))).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> ring("")).isInstanceOf(IOException.class);
  }
}
