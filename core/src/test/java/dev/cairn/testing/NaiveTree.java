package dev.cairn.testing;

import dev.cairn.merkle.Hash;
import dev.cairn.merkle.HashReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * A reference Merkle tree written straight from RFC 9162 §2.1 with recursion and fresh digests,
 * sharing no code with the implementation under test. Slow on purpose; for tests only.
 */
public final class NaiveTree implements HashReader {
  private final List<byte[]> leaves = new ArrayList<>();

  /** A tree of {@code n} entries {@code "entry <i>"}. */
  public static NaiveTree ofSize(int n) {
    NaiveTree t = new NaiveTree();
    for (int i = 0; i < n; i++) {
      t.add(entry(i));
    }
    return t;
  }

  /** The deterministic test entry {@code i}. */
  public static byte[] entry(long i) {
    return ("entry " + i).getBytes(StandardCharsets.UTF_8);
  }

  public void add(byte[] entry) {
    leaves.add(sha(new byte[] {0}, entry));
  }

  public int size() {
    return leaves.size();
  }

  public byte[] leafHash(int i) {
    return leaves.get(i).clone();
  }

  /** MTH(D[begin:end]). */
  public byte[] mth(int begin, int end) {
    int n = end - begin;
    if (n == 0) {
      return sha();
    }
    if (n == 1) {
      return leaves.get(begin);
    }
    int k = 1;
    while (k * 2 < n) {
      k *= 2;
    }
    return sha(new byte[] {1}, mth(begin, begin + k), mth(begin + k, end));
  }

  public Hash root(int size) {
    return Hash.of(mth(0, size));
  }

  /** PATH(m, D[begin:end]) per RFC 9162 §2.1.3.1. */
  public List<Hash> path(int m, int begin, int end) {
    int n = end - begin;
    List<Hash> out = new ArrayList<>();
    if (n <= 1) {
      return out;
    }
    int k = 1;
    while (k * 2 < n) {
      k *= 2;
    }
    if (m < k) {
      out.addAll(path(m, begin, begin + k));
      out.add(Hash.of(mth(begin + k, end)));
    } else {
      out.addAll(path(m - k, begin + k, end));
      out.add(Hash.of(mth(begin, begin + k)));
    }
    return out;
  }

  /** PROOF(m, D[0:n]) per RFC 9162 §2.1.4.1. */
  public List<Hash> consistency(int m, int n) {
    return subproof(m, 0, n, true);
  }

  private List<Hash> subproof(int m, int begin, int end, boolean b) {
    int n = end - begin;
    List<Hash> out = new ArrayList<>();
    if (m == n) {
      if (!b) {
        out.add(Hash.of(mth(begin, end)));
      }
      return out;
    }
    int k = 1;
    while (k * 2 < n) {
      k *= 2;
    }
    if (m <= k) {
      out.addAll(subproof(m, begin, begin + k, b));
      out.add(Hash.of(mth(begin + k, end)));
    } else {
      out.addAll(subproof(m - k, begin + k, end, false));
      out.add(Hash.of(mth(begin, begin + k)));
    }
    return out;
  }

  @Override
  public Hash read(int level, long index) {
    long begin = index << level;
    long end = (index + 1) << level;
    if (end > leaves.size()) {
      throw new IllegalArgumentException("subtree " + level + "/" + index + " is not complete");
    }
    return Hash.of(mth((int) begin, (int) end));
  }

  public static byte[] sha(byte[]... parts) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      for (byte[] p : parts) {
        d.update(p);
      }
      return d.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
