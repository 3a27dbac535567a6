package dev.cairn.merkle;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Builds tree hashes and RFC 9162 §2.1.3 inclusion and §2.1.4 consistency proofs from stored
 * subtree hashes.
 *
 * <p>Every range the RFC recursion visits starts at a multiple of a power of two at least as large
 * as the range, so its hash is a right fold over the perfect subtrees of its binary decomposition:
 * at most 63 reads per range and O(log² n) reads per proof, independent of where the hashes live.
 */
public final class Proofs {
  private Proofs() {}

  /** The Merkle tree hash of the first {@code size} leaves. */
  public static Hash treeHash(HashReader reader, long size) throws IOException {
    if (size < 0) {
      throw new IllegalArgumentException("negative tree size " + size);
    }
    return size == 0 ? Hasher.emptyRoot() : rangeHash(reader, 0, size);
  }

  /**
   * The inclusion proof of leaf {@code index} in the tree of {@code size} leaves, ordered from the
   * leaf's sibling up to the root's child.
   */
  public static List<Hash> inclusion(HashReader reader, long index, long size)
      throws IOException {
    if (index < 0 || index >= size) {
      throw new IllegalArgumentException(
          "index " + index + " is not in a tree of size " + size);
    }
    List<Hash> path = new ArrayList<>();
    long begin = 0;
    long end = size;
    while (end - begin > 1) {
      long k = splitPoint(end - begin);
      if (index < begin + k) {
        path.add(rangeHash(reader, begin + k, end));
        end = begin + k;
      } else {
        path.add(rangeHash(reader, begin, begin + k));
        begin += k;
      }
    }
    Collections.reverse(path);
    return path;
  }

  /**
   * The consistency proof from the tree of {@code oldSize} leaves to the tree of {@code newSize}
   * leaves ({@code 0 < oldSize <= newSize}); empty when the sizes are equal.
   */
  public static List<Hash> consistency(HashReader reader, long oldSize, long newSize)
      throws IOException {
    if (oldSize <= 0 || oldSize > newSize) {
      throw new IllegalArgumentException(
          "no consistency proof from size " + oldSize + " to size " + newSize);
    }
    List<Hash> path = new ArrayList<>();
    long begin = 0;
    long end = newSize;
    boolean wholeOldTree = true; // the RFC's "b": the old tree is a prefix we still stand on
    while (true) {
      long size = end - begin;
      long m = oldSize - begin;
      if (m == size) {
        if (!wholeOldTree) {
          path.add(rangeHash(reader, begin, end));
        }
        break;
      }
      long k = splitPoint(size);
      if (m <= k) {
        path.add(rangeHash(reader, begin + k, end));
        end = begin + k;
      } else {
        path.add(rangeHash(reader, begin, begin + k));
        begin += k;
        wholeOldTree = false;
      }
    }
    Collections.reverse(path);
    return path;
  }

  /**
   * The hash of the leaves {@code [begin, end)}, for a range that starts at a multiple of the
   * smallest power of two not below its length (the ranges of RFC 9162's recursion).
   */
  public static Hash rangeHash(HashReader reader, long begin, long end) throws IOException {
    long size = end - begin;
    if (size <= 0) {
      throw new IllegalArgumentException("empty range [" + begin + ", " + end + ")");
    }
    int top = 63 - Long.numberOfLeadingZeros(size);
    long span = Long.bitCount(size) == 1 ? size : 1L << (top + 1);
    if (begin % span != 0) {
      throw new IllegalArgumentException(
          "range [" + begin + ", " + end + ") is not aligned to a subtree");
    }
    Hash[] parts = new Hash[Long.bitCount(size)];
    int n = 0;
    long pos = begin;
    for (int level = top; level >= 0; level--) {
      if ((size >>> level & 1) == 1) {
        parts[n++] = reader.read(level, pos >>> level);
        pos += 1L << level;
      }
    }
    Hasher hasher = Hasher.threadLocal();
    Hash acc = parts[n - 1];
    for (int i = n - 2; i >= 0; i--) {
      acc = hasher.node(parts[i], acc);
    }
    return acc;
  }

  /** The largest power of two strictly below {@code n}, for {@code n > 1}. */
  static long splitPoint(long n) {
    return Long.highestOneBit(n - 1);
  }
}
