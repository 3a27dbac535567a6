package dev.cairn.note;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Arrays;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * A signer key: name, signature type and private seed, written (like Go's sumdb/note) as
 *
 * <pre>  PRIVATE+KEY+&lt;name&gt;+&lt;8 hex digits of key ID&gt;+&lt;base64(type byte || seed)&gt;</pre>
 *
 * <p>The seed is 32 bytes for every supported type: the Ed25519 private key for 0x01 and 0x04,
 * and the FIPS 204 key-generation seed ξ for ML-DSA-44 (0x06). The key ID is that of the
 * matching {@link VerifierKey}. This class never prints the seed in {@link #toString()}.
 */
public final class SignerKey {
  /** The seed size for every supported type. */
  public static final int SEED_SIZE = 32;

  /** What an encoded signer key starts with. */
  public static final String PREFIX = "PRIVATE+KEY+";

  private final String name;
  private final SignatureType type;
  private final byte[] seed;
  private final int keyId;

  private SignerKey(String name, SignatureType type, byte[] seed, int keyId) {
    this.name = name;
    this.type = type;
    this.seed = seed;
    this.keyId = keyId;
  }

  /**
   * Loads the code that signs notes, and Ed25519's tables, ahead of the first key: call it on a
   * thread of its own, beside other work. Bouncy Castle's jar is signed, and the JVM checks it
   * whole (a 0.8 MB manifest, then the signature) when it loads the first class from it: ~0.25 s
   * of CPU in a cold JVM on two cores. A log starts it beside its storage's open.
   */
  public static void loadSigningCode() {
    MlDsa44Subtree.MlDsa.class.getName();
    Ed25519.precompute();
  }

  /** A new random key. */
  public static SignerKey generate(String name, SignatureType type, SecureRandom random) {
    byte[] seed = new byte[SEED_SIZE];
    random.nextBytes(seed);
    return fromSeed(name, type, seed);
  }

  /** The key with this seed. */
  public static SignerKey fromSeed(String name, SignatureType type, byte[] seed) {
    KeyNames.check(name);
    if (seed.length != SEED_SIZE) {
      throw new IllegalArgumentException("signer key seed must be 32 bytes, got " + seed.length);
    }
    byte[] copy = seed.clone();
    byte[] pub = KeyPairs.publicKey(type, copy);
    return new SignerKey(name, type, copy, KeyNames.keyId(name, type.id(), pub));
  }

  /**
   * Parses a signer key, checking its key ID.
   *
   * @throws IllegalArgumentException naming the part that is wrong (never echoing the seed)
   */
  public static SignerKey parse(String skey) {
    String s = skey.strip();
    if (!s.startsWith(PREFIX)) {
      throw new IllegalArgumentException("signer key must start with PRIVATE+KEY+");
    }
    String[] parts = s.substring(PREFIX.length()).split("\\+", 3);
    if (parts.length != 3) {
      throw new IllegalArgumentException(
          "signer key must be PRIVATE+KEY+<name>+<hex key id>+<base64 key>");
    }
    String name = KeyNames.check(parts[0]);
    if (!parts[1].matches("[0-9a-f]{8}")) {
      throw new IllegalArgumentException("signer key id must be 8 lowercase hex digits");
    }
    byte[] raw = Base64s.decode(parts[2], "signer key material");
    if (raw.length != 1 + SEED_SIZE) {
      throw new IllegalArgumentException(
          "signer key material must be a type byte and a 32-byte seed");
    }
    int typeId = raw[0] & 0xff;
    SignatureType type = SignatureType.of(typeId).orElseThrow(() ->
        new IllegalArgumentException(
            "signer key has unsupported signature type 0x" + String.format("%02x", typeId)));
    SignerKey k = fromSeed(name, type, Arrays.copyOfRange(raw, 1, raw.length));
    Arrays.fill(raw, (byte) 0);
    if (Integer.parseUnsignedInt(parts[1], 16) != k.keyId) {
      throw new IllegalArgumentException(
          "signer key id " + parts[1] + " does not match the key");
    }
    return k;
  }

  /** The key name. */
  public String name() {
    return name;
  }

  /** The signature type. */
  public SignatureType type() {
    return type;
  }

  /** The key ID. */
  public int keyId() {
    return keyId;
  }

  /** A copy of the seed. */
  public byte[] seed() {
    return seed.clone();
  }

  /** The matching verifier key. */
  public VerifierKey verifierKey() {
    return new VerifierKey(name, type, KeyPairs.publicKey(type, seed));
  }

  /** A signer for this key, timestamping cosignatures with the system clock. */
  public NoteSigner signer() {
    return signer(Clock.systemUTC());
  }

  /** A signer for this key that takes cosignature timestamps from {@code clock}. */
  public NoteSigner signer(Clock clock) {
    return switch (type) {
      case ED25519 -> new Ed25519Note.Signer(this);
      case ECDSA_P256 -> throw new IllegalStateException("unreachable: no ECDSA seed keys");
      case COSIGNATURE_V1 -> new CosignatureV1.Signer(this, clock);
      case MLDSA44_SUBTREE_V1 -> new MlDsa44Subtree.Signer(this, clock, new SecureRandom());
    };
  }

  /** The secret text form; handle with care. */
  public String encode() {
    byte[] raw = new byte[1 + SEED_SIZE];
    raw[0] = (byte) type.id();
    System.arraycopy(seed, 0, raw, 1, SEED_SIZE);
    String out = PREFIX + name + "+" + KeyNames.hex(keyId) + "+" + Base64s.encode(raw);
    Arrays.fill(raw, (byte) 0);
    return out;
  }

  @Override
  public String toString() {
    return "SignerKey[" + name + "+" + KeyNames.hex(keyId) + ", " + type + "]";
  }
}
