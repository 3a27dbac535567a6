package dev.cairn.merkle;

import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A SHA-256 hash: exactly 32 bytes, immutable.
 *
 * <p>On the wire (checkpoints, proofs, tlog-proof lines) a hash is the standard base64 encoding
 * of its 32 bytes with padding (44 characters); {@link #fromBase64} accepts only that canonical
 * form.
 */
public final class Hash implements Comparable<Hash> {
  /** The number of bytes in a hash. */
  public static final int SIZE = 32;

  private final byte[] bytes;

  Hash(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Copies a hash out of {@code src} starting at {@code offset}. */
  public static Hash copyOf(byte[] src, int offset) {
    if (offset < 0 || src.length - offset < SIZE) {
      throw new IllegalArgumentException(
          "a hash needs 32 bytes, found " + Math.max(0, src.length - offset));
    }
    return new Hash(Arrays.copyOfRange(src, offset, offset + SIZE));
  }

  /** Copies a hash from an array of exactly 32 bytes. */
  public static Hash of(byte[] bytes) {
    if (bytes.length != SIZE) {
      throw new IllegalArgumentException("a hash is 32 bytes, got " + bytes.length);
    }
    return new Hash(bytes.clone());
  }

  /**
   * Parses the canonical base64 form of a hash.
   *
   * @throws IllegalArgumentException naming what is wrong, if {@code text} is not padded standard
   *     base64 of exactly 32 bytes
   */
  public static Hash fromBase64(String text) {
    if (text.length() != 44) {
      throw new IllegalArgumentException(
          "a base64 hash is 44 characters, got " + text.length());
    }
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("hash is not valid base64: " + e.getMessage());
    }
    if (decoded.length != SIZE || !Base64.getEncoder().encodeToString(decoded).equals(text)) {
      throw new IllegalArgumentException("hash is not canonical base64 of 32 bytes");
    }
    return new Hash(decoded);
  }

  /** Parses 64 lowercase or uppercase hex digits. */
  public static Hash fromHex(String hex) {
    if (hex.length() != 2 * SIZE) {
      throw new IllegalArgumentException("a hex hash is 64 digits, got " + hex.length());
    }
    return new Hash(HexFormat.of().parseHex(hex));
  }

  /** A copy of the 32 bytes. */
  public byte[] toByteArray() {
    return bytes.clone();
  }

  /** Copies the 32 bytes into {@code dst} at {@code offset}. */
  public void copyTo(byte[] dst, int offset) {
    System.arraycopy(bytes, 0, dst, offset, SIZE);
  }

  /** The canonical base64 form (44 characters). */
  public String toBase64() {
    return Base64.getEncoder().encodeToString(bytes);
  }

  /** Lowercase hex, 64 digits. */
  public String toHex() {
    return HexFormat.of().formatHex(bytes);
  }

  /** Whether this hash equals the 32 bytes of {@code other} at {@code offset}. */
  public boolean equalsBytes(byte[] other, int offset) {
    return Arrays.equals(bytes, 0, SIZE, other, offset, offset + SIZE);
  }

  byte[] array() {
    return bytes;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Hash h && Arrays.equals(bytes, h.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public int compareTo(Hash o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }

  @Override
  public String toString() {
    return toBase64();
  }
}
