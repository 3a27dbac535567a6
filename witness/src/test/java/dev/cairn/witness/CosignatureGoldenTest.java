package dev.cairn.witness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.merkle.Hash;
import dev.cairn.note.NoteSignature;
import dev.cairn.note.NoteSigner;
import dev.cairn.note.SignedNote;
import dev.cairn.note.VerifiedNote;
import dev.cairn.note.VerifierKey;
import dev.cairn.note.VerifierSet;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.crypto.params.MLDSAParameters;
import org.bouncycastle.crypto.params.MLDSAPublicKeyParameters;
import org.bouncycastle.crypto.signers.MLDSASigner;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The witness's cosignatures against the golden vector in {@code cosignature-golden.txt}, and
 * against the signed messages of tlog-cosignature built here from the spec's text, byte by
 * byte, and checked with Bouncy Castle's raw Ed25519 and ML-DSA-44 (not through Cairn's note
 * code).
 */
class CosignatureGoldenTest {
  private static Map<String, String> golden;
  private static String text;
  private static WitnessKeys keys;
  private static long timestamp;

  @BeforeAll
  static void read() throws IOException {
    golden = new LinkedHashMap<>();
    StringBuilder checkpoint = new StringBuilder();
    try (InputStream in = CosignatureGoldenTest.class.getResourceAsStream(
        "cosignature-golden.txt")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (line.startsWith("#") || line.isBlank()) {
          continue;
        }
        int space = line.indexOf(' ');
        String key = line.substring(0, space);
        String value = line.substring(space + 1);
        if (key.equals("checkpoint")) {
          checkpoint.append(value).append('\n');
        } else {
          golden.put(key, value);
        }
      }
    }
    text = checkpoint.toString();
    timestamp = Long.parseLong(golden.get("timestamp"));
    keys = WitnessKeys.fromSeeds(golden.get("name"),
        HexFormat.of().parseHex(golden.get("ed25519_seed")),
        HexFormat.of().parseHex(golden.get("mldsa44_seed")));
  }

  @Test
  void keysFromTheSeedsAreTheGoldenVerifierKeys() {
    assertThat(keys.verifierKeys()).extracting(VerifierKey::encode).containsExactly(
        golden.get("cosignature_v1_vkey"), golden.get("subtree_v1_vkey"));
  }

  @Test
  void cosignatureV1IsTheGoldenLineAndPlainEd25519OverTheSpecMessage() {
    String line = sign().get(0);
    assertThat(line).isEqualTo(golden.get("cosignature_v1_line"));
    byte[] raw = signatureBytes(line);
    assertThat(raw).hasSize(4 + 8 + 64);
    assertThat(ByteBuffer.wrap(raw, 4, 8).getLong()).isEqualTo(timestamp);
    byte[] message = ("cosignature/v1\ntime " + timestamp + "\n" + text)
        .getBytes(StandardCharsets.UTF_8);
    byte[] publicKey = keys.verifierKeys().get(0).publicKey();
    assertThat(Ed25519.verify(Arrays.copyOfRange(raw, 12, 76), 0, publicKey, 0, message, 0,
        message.length)).isTrue();
    assertThat(keyId(raw)).isEqualTo(keys.verifierKeys().get(0).keyId());
  }

  @Test
  void subtreeV1VerifiesOverTheSpecMessageGoldenAndFresh() {
    for (String line : List.of(golden.get("subtree_v1_line"), sign().get(1))) {
      byte[] raw = signatureBytes(line);
      assertThat(raw).hasSize(4 + 8 + 2420);
      assertThat(keyId(raw)).isEqualTo(keys.verifierKeys().get(1).keyId());
      assertThat(ByteBuffer.wrap(raw, 4, 8).getLong()).isEqualTo(timestamp);
      MLDSASigner v = new MLDSASigner();
      v.init(false, new MLDSAPublicKeyParameters(MLDSAParameters.ml_dsa_44,
          keys.verifierKeys().get(1).publicKey()));
      byte[] m = subtreeMessage(0, 20852163);
      v.update(m, 0, m.length);
      assertThat(v.verifySignature(Arrays.copyOfRange(raw, 12, raw.length))).as(line).isTrue();
      // Any other end (the statement is about [0, size)) fails.
      MLDSASigner w = new MLDSASigner();
      w.init(false, new MLDSAPublicKeyParameters(MLDSAParameters.ml_dsa_44,
          keys.verifierKeys().get(1).publicKey()));
      byte[] other = subtreeMessage(0, 20852162);
      w.update(other, 0, other.length);
      assertThat(w.verifySignature(Arrays.copyOfRange(raw, 12, raw.length))).isFalse();
    }
  }

  @Test
  void bothGoldenLinesVerifyAsNoteCosignatures() {
    String note = text + "\n" + golden.get("cosignature_v1_line") + "\n"
        + golden.get("subtree_v1_line") + "\n";
    VerifiedNote v = SignedNote.parse(note.getBytes(StandardCharsets.UTF_8))
        .open(VerifierSet.ofKeys(keys.verifierKeys()));
    assertThat(v.verified()).hasSize(2).allSatisfy(s -> assertThat(s.timestamp())
        .hasValue(timestamp));
  }

  private static List<String> sign() {
    Clock clock = Clock.fixed(Instant.ofEpochSecond(timestamp), ZoneOffset.UTC);
    return keys.signers(clock).stream().map((NoteSigner s) -> new NoteSignature(s.name(),
        s.keyId(), s.sign(text.getBytes(StandardCharsets.UTF_8))).line()).toList();
  }

  /** The {@code cosigned_message} structure of tlog-cosignature, from its definition. */
  private static byte[] subtreeMessage(long start, long end) {
    ByteArrayOutputStream m = new ByteArrayOutputStream();
    m.writeBytes("subtree/v1\n\0".getBytes(StandardCharsets.US_ASCII));
    byte[] name = golden.get("name").getBytes(StandardCharsets.UTF_8);
    m.write(name.length);
    m.writeBytes(name);
    m.writeBytes(ByteBuffer.allocate(8).putLong(timestamp).array());
    String[] lines = text.split("\n");
    byte[] origin = lines[0].getBytes(StandardCharsets.UTF_8);
    m.write(origin.length);
    m.writeBytes(origin);
    m.writeBytes(ByteBuffer.allocate(16).putLong(start).putLong(end).array());
    m.writeBytes(Hash.fromBase64(lines[2]).toByteArray());
    return m.toByteArray();
  }

  private static byte[] signatureBytes(String line) {
    return java.util.Base64.getDecoder().decode(line.substring(line.lastIndexOf(' ') + 1));
  }

  private static int keyId(byte[] raw) {
    return ByteBuffer.wrap(raw, 0, 4).getInt();
  }
}
