package dev.cairn.note;

import java.util.Base64;

/** Strict standard base64: padded, and only the canonical encoding of its bytes. */
final class Base64s {
  private Base64s() {}

  /** Decodes {@code s} or throws naming {@code what}. */
  static byte[] decode(String s, String what) {
    byte[] b;
    try {
      b = Base64.getDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + " is not valid base64");
    }
    if (!Base64.getEncoder().encodeToString(b).equals(s)) {
      throw new IllegalArgumentException(what + " is not canonical padded base64");
    }
    return b;
  }

  static String encode(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }
}
