package dev.cairn.merkle;

import java.io.IOException;

/**
 * Reads stored hashes of complete subtrees: the seam between the pure tree math and storage.
 *
 * <p>The hash at {@code (level, index)} is {@code MTH(D[index * 2^level : (index + 1) *
 * 2^level])}: level 0 holds leaf hashes, level 1 the hashes of pairs of leaves, and so on. Callers
 * only ask for subtrees that are complete in the tree they are working on.
 */
@FunctionalInterface
public interface HashReader {
  /**
   * Returns the hash of the complete subtree at {@code level} and {@code index}.
   *
   * @throws IOException if the backing store cannot produce it
   */
  Hash read(int level, long index) throws IOException;
}
