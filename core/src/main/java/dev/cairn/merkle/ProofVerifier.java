package dev.cairn.merkle;

import java.util.List;

/**
 * Verifies RFC 9162 inclusion (§2.1.3.2) and consistency (§2.1.4.2) proofs. Each method returns
 * normally if and only if the proof holds, and otherwise throws a {@link ProofException} that
 * says why.
 */
public final class ProofVerifier {
  private ProofVerifier() {}

  /**
   * Verifies that {@code leafHash} is leaf {@code index} of the tree of {@code size} leaves whose
   * root is {@code root}.
   */
  public static void verifyInclusion(
      Hash leafHash, long index, long size, List<Hash> proof, Hash root) {
    Hash computed = rootFromInclusion(leafHash, index, size, proof);
    if (!computed.equals(root)) {
      throw new ProofException(
          "inclusion proof for index " + index + " leads to root " + computed
              + ", expected " + root);
    }
  }

  /**
   * The root that an inclusion proof for {@code leafHash} at {@code index} leads to in a tree of
   * {@code size} leaves.
   *
   * @throws ProofException if the proof has the wrong length for the index and size
   */
  public static Hash rootFromInclusion(Hash leafHash, long index, long size, List<Hash> proof) {
    if (index < 0 || index >= size) {
      throw new ProofException("index " + index + " is not in a tree of size " + size);
    }
    int expected = inclusionLength(index, size);
    if (proof.size() != expected) {
      throw new ProofException(
          "inclusion proof for index " + index + " in size " + size + " has " + proof.size()
              + " hashes, expected " + expected);
    }
    Hasher hasher = Hasher.threadLocal();
    long fn = index;
    long sn = size - 1;
    byte[] r = leafHash.toByteArray();
    for (Hash p : proof) {
      if (sn == 0) {
        throw new ProofException("inclusion proof is too long for index " + index);
      }
      if ((fn & 1) == 1 || fn == sn) {
        hasher.nodeInto(p.array(), 0, r, 0, r, 0);
        while ((fn & 1) == 0 && fn != 0) {
          fn >>>= 1;
          sn >>>= 1;
        }
      } else {
        hasher.nodeInto(r, 0, p.array(), 0, r, 0);
      }
      fn >>>= 1;
      sn >>>= 1;
    }
    if (sn != 0) {
      throw new ProofException("inclusion proof is too short for index " + index);
    }
    return new Hash(r);
  }

  /**
   * Verifies that the tree of {@code oldSize} leaves with root {@code oldRoot} is a prefix of the
   * tree of {@code newSize} leaves with root {@code newRoot}. Requires {@code 0 < oldSize <=
   * newSize}: a proof from the empty tree proves nothing and is rejected.
   */
  public static void verifyConsistency(
      long oldSize, long newSize, List<Hash> proof, Hash oldRoot, Hash newRoot) {
    if (oldSize <= 0) {
      throw new ProofException("a consistency proof needs an old size above 0, got " + oldSize);
    }
    if (oldSize > newSize) {
      throw new ProofException(
          "old size " + oldSize + " is larger than new size " + newSize);
    }
    if (oldSize == newSize) {
      if (!proof.isEmpty()) {
        throw new ProofException(
            "sizes are equal but the proof has " + proof.size() + " hashes, expected 0");
      }
      if (!oldRoot.equals(newRoot)) {
        throw new ProofException(
            "same size " + oldSize + " with different roots " + oldRoot + " and " + newRoot);
      }
      return;
    }
    int expected = consistencyLength(oldSize, newSize);
    if (proof.size() != expected) {
      throw new ProofException(
          "consistency proof from " + oldSize + " to " + newSize + " has " + proof.size()
              + " hashes, expected " + expected);
    }
    Hasher hasher = Hasher.threadLocal();
    int i = 0;
    byte[] fr;
    byte[] sr;
    if (Long.bitCount(oldSize) == 1) {
      fr = oldRoot.toByteArray();
      sr = oldRoot.toByteArray();
    } else {
      fr = proof.get(0).toByteArray();
      sr = proof.get(0).toByteArray();
      i = 1;
    }
    long fn = oldSize - 1;
    long sn = newSize - 1;
    while ((fn & 1) == 1) {
      fn >>>= 1;
      sn >>>= 1;
    }
    for (; i < proof.size(); i++) {
      byte[] c = proof.get(i).array();
      if (sn == 0) {
        throw new ProofException("consistency proof is too long");
      }
      if ((fn & 1) == 1 || fn == sn) {
        hasher.nodeInto(c, 0, fr, 0, fr, 0);
        hasher.nodeInto(c, 0, sr, 0, sr, 0);
        while ((fn & 1) == 0 && fn != 0) {
          fn >>>= 1;
          sn >>>= 1;
        }
      } else {
        hasher.nodeInto(sr, 0, c, 0, sr, 0);
      }
      fn >>>= 1;
      sn >>>= 1;
    }
    if (sn != 0) {
      throw new ProofException("consistency proof is too short");
    }
    if (!oldRoot.equalsBytes(fr, 0)) {
      throw new ProofException(
          "consistency proof leads to old root " + new Hash(fr) + ", expected " + oldRoot);
    }
    if (!newRoot.equalsBytes(sr, 0)) {
      throw new ProofException(
          "consistency proof leads to new root " + new Hash(sr) + ", expected " + newRoot);
    }
  }

  /** The number of hashes in an inclusion proof for {@code index} in a tree of {@code size}. */
  public static int inclusionLength(long index, long size) {
    // Levels where the path still has a sibling: the bits of index and size-1 above their
    // common prefix, plus the right-edge levels where the last leaf's path has a left sibling.
    long last = size - 1;
    int inner = 64 - Long.numberOfLeadingZeros(index ^ last);
    int border = Long.bitCount(index >>> inner);
    return inner + border;
  }

  /** The number of hashes in a consistency proof from {@code oldSize} to {@code newSize}. */
  public static int consistencyLength(long oldSize, long newSize) {
    if (oldSize == newSize) {
      return 0;
    }
    int trailing = Long.numberOfTrailingZeros(oldSize);
    long fn = (oldSize - 1) >>> trailing;
    long sn = (newSize - 1) >>> trailing;
    int inner = 64 - Long.numberOfLeadingZeros(fn ^ sn);
    int border = Long.bitCount(fn >>> inner);
    int start = Long.bitCount(oldSize) == 1 ? 0 : 1;
    return start + inner + border;
  }
}
