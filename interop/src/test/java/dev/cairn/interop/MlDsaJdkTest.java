package dev.cairn.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import dev.cairn.note.NoteException;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifiedNote;
import dev.cairn.note.VerifierKey;
import dev.cairn.note.VerifierSet;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cairn's ML-DSA-44 checkpoint signatures (signed-note type 0x06, tlog-cosignature {@code
 * subtree/v1}) against the JDK's own ML-DSA (the SUN provider, JDK 24 and newer), an
 * implementation independent of the Bouncy Castle code Cairn uses. The signed message and the
 * key's X.509 wrapping are rebuilt here from the specs, not taken from Cairn.
 */
class MlDsaJdkTest {
  /**
   * The DER prefix of an ML-DSA-44 SubjectPublicKeyInfo (RFC 5280, OID 2.16.840.1.101.3.4.3.17):
   * SEQUENCE (1330) { SEQUENCE (11) { OID (9) }, BIT STRING (1313, no unused bits) }, followed by
   * the 1,312-byte public key.
   */
  private static final byte[] SPKI_PREFIX =
      HexFormat.of().parseHex("30820532300b06096086480165030403110382052100");

  private static final int PUBLIC_KEY_SIZE = 1312;
  private static final int SIGNATURE_SIZE = 2420;
  private static final String COSIGNER = "witness.example/pq";
  private static final long TIMESTAMP = 1_767_225_600L;

  @BeforeAll
  static void needsJdkMlDsa() {
    if (Runtime.version().feature() < 24) {
      fail("ML-DSA interop tests need JDK 24 or newer, whose SUN provider has ML-DSA; this is "
          + Runtime.version() + ": run them on Temurin 25 (JAVA_HOME)");
    }
  }

  @Test
  void cairnSignatureVerifiesWithJdk() throws GeneralSecurityException {
    SignerKey key = SignerKey.generate(COSIGNER, SignatureType.MLDSA44_SUBTREE_V1,
        new SecureRandom());
    Checkpoint checkpoint = checkpoint(123_456_789L);
    SignedNote note = SignedNote.sign(checkpoint.format(),
        List.of(key.signer(Clock.fixed(Instant.ofEpochSecond(TIMESTAMP), ZoneOffset.UTC))));

    // Take the signature apart by hand: key ID, u64 timestamp, 2,420-byte ML-DSA-44 signature.
    byte[] publicKey = key.verifierKey().publicKey();
    String[] lines = new String(note.encode(), StandardCharsets.UTF_8).split("\n");
    String line = lines[lines.length - 1];
    assertThat(line).startsWith("\u2014 " + COSIGNER + " ");
    ByteBuffer raw = ByteBuffer.wrap(
        Base64.getDecoder().decode(line.substring(("\u2014 " + COSIGNER + " ").length())));
    assertThat(raw.remaining()).isEqualTo(4 + 8 + SIGNATURE_SIZE);
    assertThat(raw.getInt()).isEqualTo(keyId(COSIGNER, publicKey));
    long timestamp = raw.getLong();
    byte[] signature = new byte[SIGNATURE_SIZE];
    raw.get(signature);

    PublicKey jdkKey = KeyFactory.getInstance("ML-DSA")
        .generatePublic(new X509EncodedKeySpec(spki(publicKey)));
    byte[] message = subtreeMessage(COSIGNER, timestamp, checkpoint);

    assertThat(timestamp).isEqualTo(TIMESTAMP);
    assertThat(jdkVerify(jdkKey, message, signature)).isTrue();
    // The same check fails for another size, time or signature, so the line above means something.
    assertThat(jdkVerify(jdkKey, subtreeMessage(COSIGNER, timestamp, checkpoint(123_456_790L)),
        signature)).isFalse();
    assertThat(jdkVerify(jdkKey, subtreeMessage(COSIGNER, timestamp + 1, checkpoint),
        signature)).isFalse();
    assertThat(jdkVerify(jdkKey, message, flipBit(signature, 1000))).isFalse();
  }

  @Test
  void jdkSignatureVerifiesWithCairn() throws GeneralSecurityException {
    KeyPair pair = KeyPairGenerator.getInstance("ML-DSA-44").generateKeyPair();
    VerifierKey key = new VerifierKey(COSIGNER, SignatureType.MLDSA44_SUBTREE_V1,
        rawPublicKey(pair.getPublic()));
    Checkpoint checkpoint = checkpoint(42);
    byte[] signature = jdkSign(pair.getPrivate(), subtreeMessage(COSIGNER, TIMESTAMP, checkpoint));
    byte[] note = note(checkpoint, key, TIMESTAMP, signature);

    VerifiedNote opened = SignedNote.parse(note).open(VerifierSet.of(key.verifier()));

    assertThat(key.keyId()).isEqualTo(keyId(COSIGNER, key.publicKey()));
    assertThat(opened.text()).isEqualTo(checkpoint.format());
    assertThat(opened.verified()).singleElement().satisfies(v -> {
      assertThat(v.type()).isEqualTo(SignatureType.MLDSA44_SUBTREE_V1);
      assertThat(v.timestamp()).isEqualTo(OptionalLong.of(TIMESTAMP));
    });
  }

  @Test
  void cairnRejectsJdkSignatureWithOneBitFlipped() throws GeneralSecurityException {
    KeyPair pair = KeyPairGenerator.getInstance("ML-DSA-44").generateKeyPair();
    VerifierKey key = new VerifierKey(COSIGNER, SignatureType.MLDSA44_SUBTREE_V1,
        rawPublicKey(pair.getPublic()));
    Checkpoint checkpoint = checkpoint(42);
    byte[] signature = jdkSign(pair.getPrivate(), subtreeMessage(COSIGNER, TIMESTAMP, checkpoint));
    VerifierSet trusted = VerifierSet.of(key.verifier());

    for (byte[] tampered : List.of(
        note(checkpoint, key, TIMESTAMP, flipBit(signature, 0)),
        note(checkpoint, key, TIMESTAMP, flipBit(signature, 8 * SIGNATURE_SIZE - 1)),
        note(checkpoint, key, TIMESTAMP ^ 1, signature),
        note(checkpoint(43), key, TIMESTAMP, signature))) {
      assertThatThrownBy(() -> SignedNote.parse(tampered).open(trusted))
          .isInstanceOfSatisfying(NoteException.class,
              e -> assertThat(e.kind()).isEqualTo(NoteException.Kind.INVALID_SIGNATURE));
    }
  }

  /**
   * Cairn's signer keys hold the FIPS 204 key-generation seed ξ. The JDK draws exactly that seed
   * from its random source, so feeding it the same 32 bytes must give the same key pair.
   */
  @Test
  void sameSeedGivesSameKeyInJdkAndCairn() throws GeneralSecurityException {
    byte[] seed = new byte[32];
    new SecureRandom().nextBytes(seed);
    SignerKey cairn = SignerKey.fromSeed(COSIGNER, SignatureType.MLDSA44_SUBTREE_V1, seed);
    KeyPairGenerator generator = KeyPairGenerator.getInstance("ML-DSA-44");
    generator.initialize(new NamedParameterSpec("ML-DSA-44"), new FixedSeed(seed));
    KeyPair jdk = generator.generateKeyPair();
    Checkpoint checkpoint = checkpoint(7);
    byte[] signature = jdkSign(jdk.getPrivate(), subtreeMessage(COSIGNER, TIMESTAMP, checkpoint));

    assertThat(cairn.verifierKey().publicKey()).isEqualTo(rawPublicKey(jdk.getPublic()));
    VerifiedNote opened = SignedNote.parse(note(checkpoint, cairn.verifierKey(), TIMESTAMP,
        signature)).open(VerifierSet.of(cairn.verifierKey().verifier()));
    assertThat(opened.verified()).hasSize(1);
  }

  private static Checkpoint checkpoint(long size) {
    byte[] root = new byte[32];
    Arrays.fill(root, (byte) 0x5a);
    return new Checkpoint("log.example/pq-origin", size, Hash.of(root));
  }

  /**
   * The tlog-cosignature {@code subtree/v1} message for a whole checkpoint, written out from the
   * spec's structure.
   */
  static byte[] subtreeMessage(String cosigner, long timestamp, Checkpoint checkpoint) {
    ByteArrayOutputStream m = new ByteArrayOutputStream();
    m.writeBytes("subtree/v1\n\0".getBytes(StandardCharsets.US_ASCII)); // uint8 label[12]
    byte[] name = cosigner.getBytes(StandardCharsets.UTF_8);
    m.write(name.length); // opaque cosigner_name<1..2^8-1>
    m.writeBytes(name);
    m.writeBytes(ByteBuffer.allocate(8).putLong(timestamp).array()); // uint64 timestamp
    byte[] origin = checkpoint.origin().getBytes(StandardCharsets.UTF_8);
    m.write(origin.length); // opaque log_origin<1..2^8-1>
    m.writeBytes(origin);
    m.writeBytes(ByteBuffer.allocate(8).putLong(0).array()); // uint64 start
    m.writeBytes(ByteBuffer.allocate(8).putLong(checkpoint.size()).array()); // uint64 end
    m.writeBytes(checkpoint.root().toByteArray()); // uint8 hash[32]
    byte[] out = m.toByteArray();
    assertThat(out).hasSize(12 + 1 + name.length + 8 + 1 + origin.length + 8 + 8 + 32);
    return out;
  }

  /** A signed note with one type 0x06 signature line, assembled by hand. */
  private static byte[] note(Checkpoint checkpoint, VerifierKey key, long timestamp,
      byte[] signature) {
    byte[] raw = ByteBuffer.allocate(4 + 8 + signature.length)
        .putInt(key.keyId()).putLong(timestamp).put(signature).array();
    String note = checkpoint.format() + "\n\u2014 " + key.name() + " "
        + Base64.getEncoder().encodeToString(raw) + "\n";
    return note.getBytes(StandardCharsets.UTF_8);
  }

  /** The signed-note key ID: the first 4 bytes of SHA-256(name || '\n' || 0x06 || key). */
  private static int keyId(String name, byte[] publicKey) throws GeneralSecurityException {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    sha.update(name.getBytes(StandardCharsets.UTF_8));
    sha.update((byte) '\n');
    sha.update((byte) 0x06);
    sha.update(publicKey);
    return ByteBuffer.wrap(sha.digest()).getInt();
  }

  static byte[] spki(byte[] publicKey) {
    assertThat(publicKey).hasSize(PUBLIC_KEY_SIZE);
    byte[] der = Arrays.copyOf(SPKI_PREFIX, SPKI_PREFIX.length + PUBLIC_KEY_SIZE);
    System.arraycopy(publicKey, 0, der, SPKI_PREFIX.length, PUBLIC_KEY_SIZE);
    return der;
  }

  private static byte[] rawPublicKey(PublicKey key) {
    byte[] der = key.getEncoded();
    assertThat(key.getFormat()).isEqualTo("X.509");
    assertThat(der).hasSize(SPKI_PREFIX.length + PUBLIC_KEY_SIZE);
    assertThat(Arrays.copyOf(der, SPKI_PREFIX.length)).isEqualTo(SPKI_PREFIX);
    return Arrays.copyOfRange(der, SPKI_PREFIX.length, der.length);
  }

  static boolean jdkVerify(PublicKey key, byte[] message, byte[] signature)
      throws GeneralSecurityException {
    Signature v = Signature.getInstance("ML-DSA");
    v.initVerify(key);
    v.update(message);
    return v.verify(signature);
  }

  private static byte[] jdkSign(PrivateKey key, byte[] message) throws GeneralSecurityException {
    Signature s = Signature.getInstance("ML-DSA");
    s.initSign(key);
    s.update(message);
    byte[] signature = s.sign();
    assertThat(signature).hasSize(SIGNATURE_SIZE);
    return signature;
  }

  private static byte[] flipBit(byte[] b, int bit) {
    byte[] out = b.clone();
    out[bit / 8] ^= (byte) (1 << (bit % 8));
    return out;
  }

  /** A random source that hands out one fixed seed, for deterministic key generation. */
  private static final class FixedSeed extends SecureRandom {
    private static final long serialVersionUID = 1L;
    private final byte[] seed;
    private boolean used;

    FixedSeed(byte[] seed) {
      this.seed = seed.clone();
    }

    @Override
    public void nextBytes(byte[] bytes) {
      if (used || bytes.length != seed.length) {
        throw new IllegalStateException(
            "expected one request for " + seed.length + " bytes, got " + bytes.length);
      }
      used = true;
      System.arraycopy(seed, 0, bytes, 0, seed.length);
    }
  }
}
