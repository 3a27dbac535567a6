package dev.cairn.note;

import java.util.Arrays;

/**
 * A verifier key: a key name, a signature type and a public key, written as
 *
 * <pre>  &lt;name&gt;+&lt;8 hex digits of key ID&gt;+&lt;base64(type byte || public key)&gt;</pre>
 *
 * <p>for example {@code example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k}.
 * Parsing checks the key ID against the name, type and key, and the key's length for its type.
 */
public final class VerifierKey {
  /** A verifier key line is never longer than this (an ML-DSA-44 key is about 1,800). */
  public static final int MAX_LENGTH = 4096;

  private final String name;
  private final SignatureType type;
  private final byte[] publicKey;
  private final int keyId;

  /** A key of {@code type} with this name and public key encoding. */
  public VerifierKey(String name, SignatureType type, byte[] publicKey) {
    this.name = KeyNames.check(name);
    this.type = type;
    if (publicKey.length != type.publicKeySize()) {
      throw new IllegalArgumentException(
          type + " public key must be " + type.publicKeySize() + " bytes, got "
              + publicKey.length);
    }
    this.publicKey = publicKey.clone();
    this.keyId = KeyNames.keyId(name, type.id(), publicKey);
  }

  /**
   * Parses a verifier key.
   *
   * @throws IllegalArgumentException naming the part that is wrong
   */
  public static VerifierKey parse(String vkey) {
    if (vkey.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("verifier key is longer than " + MAX_LENGTH);
    }
    String[] parts = vkey.split("\\+", 3);
    if (parts.length != 3) {
      throw new IllegalArgumentException(
          "verifier key must be <name>+<hex key id>+<base64 key>, got " + parts.length
              + " parts");
    }
    String name = KeyNames.check(parts[0]);
    if (!parts[1].matches("[0-9a-f]{8}")) {
      throw new IllegalArgumentException(
          "verifier key id must be 8 lowercase hex digits, got \"" + parts[1] + "\"");
    }
    byte[] raw = Base64s.decode(parts[2], "verifier key material");
    if (raw.length < 2) {
      throw new IllegalArgumentException("verifier key material is empty");
    }
    int typeId = raw[0] & 0xff;
    SignatureType type = SignatureType.of(typeId).orElseThrow(() ->
        new IllegalArgumentException(
            "verifier key has unsupported signature type 0x" + String.format("%02x", typeId)));
    VerifierKey k = new VerifierKey(name, type, Arrays.copyOfRange(raw, 1, raw.length));
    int claimed = Integer.parseUnsignedInt(parts[1], 16);
    if (claimed != k.keyId) {
      throw new IllegalArgumentException(
          "verifier key id " + parts[1] + " does not match the key, expected "
              + KeyNames.hex(k.keyId));
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

  /** A copy of the public key encoding. */
  public byte[] publicKey() {
    return publicKey.clone();
  }

  /** The key ID. */
  public int keyId() {
    return keyId;
  }

  /**
   * A verifier for this key.
   *
   * @throws IllegalArgumentException if the public key is not a valid point or encoding
   */
  public NoteVerifier verifier() {
    return switch (type) {
      case ED25519 -> new Ed25519Note.Verifier(this);
      case ECDSA_P256 -> new EcdsaNote.Verifier(this);
      case COSIGNATURE_V1 -> new CosignatureV1.Verifier(this);
      case MLDSA44_SUBTREE_V1 -> new MlDsa44Subtree.Verifier(this);
    };
  }

  /** The canonical text form. */
  public String encode() {
    byte[] raw = new byte[1 + publicKey.length];
    raw[0] = (byte) type.id();
    System.arraycopy(publicKey, 0, raw, 1, publicKey.length);
    return name + "+" + KeyNames.hex(keyId) + "+" + Base64s.encode(raw);
  }

  /** Whether both keys wrap the same public key of the same type, whatever their names. */
  public boolean sameKeyAs(VerifierKey other) {
    return type == other.type && Arrays.equals(publicKey, other.publicKey);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VerifierKey k && name.equals(k.name) && type == k.type
        && Arrays.equals(publicKey, k.publicKey);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + keyId;
  }

  @Override
  public String toString() {
    return encode();
  }
}
