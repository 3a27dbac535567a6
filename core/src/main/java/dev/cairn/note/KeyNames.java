package dev.cairn.note;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Key names and key IDs.
 *
 * <p>A key name is non-empty and contains no Unicode space and no {@code +}. A key ID is the
 * first four bytes, big-endian, of {@code SHA-256(name || 0x0A || type || public key)}, except
 * for ECDSA (0x02), whose key ID is {@code SHA-256(DER SubjectPublicKeyInfo)[:4]}.
 */
public final class KeyNames {
  /**
   * The longest name, in UTF-8 bytes: the {@code subtree/v1} cosignature message carries the
   * name with a one-byte length, and longer names serve no purpose.
   */
  public static final int MAX_NAME_LENGTH = 255;

  private KeyNames() {}

  /** Whether {@code name} is a valid key name. */
  public static boolean isValid(String name) {
    if (name.isEmpty() || name.length() > MAX_NAME_LENGTH * 3
        || name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_LENGTH) {
      return false;
    }
    for (int i = 0; i < name.length(); ) {
      int cp = name.codePointAt(i);
      if (cp == '+' || cp < 0x20 || isUnicodeSpace(cp)
          || (Character.isSurrogate(name.charAt(i)) && cp < 0x10000)) {
        return false;
      }
      i += Character.charCount(cp);
    }
    return true;
  }

  /** Throws unless {@code name} is a valid key name. */
  public static String check(String name) {
    if (!isValid(name)) {
      throw new IllegalArgumentException(
          "invalid key name \"" + name + "\": it must be 1 to " + MAX_NAME_LENGTH
              + " UTF-8 bytes with no spaces, no '+' and no control characters");
    }
    return name;
  }

  /** Go's unicode.IsSpace: the White_Space property. */
  static boolean isUnicodeSpace(int cp) {
    return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85;
  }

  /** The key ID of a key with this name, type and public key encoding. */
  public static int keyId(String name, int type, byte[] publicKey) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    if (type != SignatureType.ECDSA_P256.id()) {
      sha.update(name.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) '\n');
      sha.update((byte) type);
    }
    sha.update(publicKey);
    byte[] h = sha.digest();
    return (h[0] & 0xff) << 24 | (h[1] & 0xff) << 16 | (h[2] & 0xff) << 8 | (h[3] & 0xff);
  }

  /** The 8 lowercase hex digits of a key ID. */
  public static String hex(int keyId) {
    return String.format("%08x", keyId);
  }
}
