package dev.cairn.bench;

import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The denominator of every ratio: SHA-256 work done with a bare {@link MessageDigest}, one per
 * thread, one {@code update} over contiguous input and a digest into a caller's buffer — the
 * least any implementation of the same hashes can do on this JDK.
 */
final class BareSha256 {
  static final int NODE_INPUT = 65;

  private final MessageDigest sha;
  /** {@code 0x01 || left || right}; each node hash writes its output over one of the children. */
  private final byte[] node = new byte[NODE_INPUT];

  BareSha256() {
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no SHA-256", e);
    }
    node[0] = 0x01;
    for (int i = 1; i < NODE_INPUT; i++) {
      node[i] = (byte) i;
    }
  }

  /** Hashes {@code len} bytes of {@code src} from {@code off} into {@code out[outOff..]}. */
  void hash(byte[] src, int off, int len, byte[] out, int outOff) {
    sha.update(src, off, len);
    try {
      sha.digest(out, outOff, 32);
    } catch (DigestException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /**
   * Performs {@code count} SHA-256 hashes of 65 bytes (the size of an RFC 9162 node input), each
   * output becoming a child of the next input as in a real tree, and returns the last state.
   */
  byte[] nodes(long count) {
    for (long i = 0; i < count; i++) {
      hash(node, 0, NODE_INPUT, node, 1 + 32 * (int) (i & 1));
    }
    return node;
  }
}
