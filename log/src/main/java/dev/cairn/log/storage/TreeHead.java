package dev.cairn.log.storage;

import dev.cairn.merkle.Hash;

/**
 * A tree size and its root hash.
 *
 * @param size the number of leaves
 * @param root the Merkle tree hash of those leaves
 */
public record TreeHead(long size, Hash root) {
  /** Checks the size. */
  public TreeHead {
    if (size < 0) {
      throw new IllegalArgumentException("negative tree size " + size);
    }
  }
}
