package dev.cairn.merkle;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The right edge of an append-only Merkle tree (a compact range from 0): the hashes of the
 * perfect subtrees that the binary decomposition of the tree size splits the tree into, one per
 * set bit of the size. That is all that is needed to append leaves and to compute the root, in
 * O(log n) memory.
 *
 * <p>Not thread-safe; the sequencer owns one.
 */
public final class RightEdge {
  /** Receives every complete subtree hash an append creates, leaf included. */
  @FunctionalInterface
  public interface NodeSink {
    /**
     * Called with the new node's level and index; the 32 bytes at {@code hash[offset]} are only
     * valid during the call.
     */
    void node(int level, long index, byte[] hash, int offset);
  }

  private static final int MAX_LEVELS = 64;

  private final Hasher hasher;
  /** {@code edge[32 * l ..]} holds the subtree at level l iff bit l of {@code size} is set. */
  private final byte[] edge = new byte[MAX_LEVELS * Hash.SIZE];

  private final byte[] scratch = new byte[Hash.SIZE];
  private long size;

  /** An empty tree. */
  public RightEdge() {
    this(new Hasher());
  }

  /** An empty tree hashed with {@code hasher}, which this edge then owns. */
  public RightEdge(Hasher hasher) {
    this.hasher = hasher;
  }

  /**
   * Rebuilds the right edge of a tree of {@code size} leaves by reading its perfect subtrees
   * (at most 63 reads).
   */
  public static RightEdge restore(long size, HashReader reader) throws IOException {
    if (size < 0) {
      throw new IllegalArgumentException("negative tree size " + size);
    }
    RightEdge r = new RightEdge();
    long begin = 0;
    for (int level = MAX_LEVELS - 2; level >= 0; level--) {
      if ((size >>> level & 1) == 1) {
        Hash h = reader.read(level, begin >>> level);
        h.copyTo(r.edge, level * Hash.SIZE);
        begin += 1L << level;
      }
    }
    r.size = size;
    return r;
  }

  /** The number of leaves. */
  public long size() {
    return size;
  }

  /** Appends one leaf hash. */
  public void append(Hash leafHash) {
    append(leafHash.array(), 0, null);
  }

  /**
   * Appends the leaf hash at {@code leafHash[offset]}, reporting every completed subtree to
   * {@code sink} (which may be null).
   */
  public void append(byte[] leafHash, int offset, NodeSink sink) {
    if (size == Long.MAX_VALUE) {
      throw new IllegalStateException("tree is full");
    }
    long index = size;
    byte[] cur = scratch;
    System.arraycopy(leafHash, offset, cur, 0, Hash.SIZE);
    if (sink != null) {
      sink.node(0, index, cur, 0);
    }
    int level = 0;
    while ((index >>> level & 1) == 1) {
      hasher.nodeInto(edge, level * Hash.SIZE, cur, 0, cur, 0);
      level++;
      if (sink != null) {
        sink.node(level, index >>> level, cur, 0);
      }
    }
    System.arraycopy(cur, 0, edge, level * Hash.SIZE, Hash.SIZE);
    size = index + 1;
  }

  /** The Merkle tree hash of the current tree (the empty-tree hash for size 0). */
  public Hash root() {
    if (size == 0) {
      return Hasher.emptyRoot();
    }
    int low = Long.numberOfTrailingZeros(size);
    byte[] acc = new byte[Hash.SIZE];
    System.arraycopy(edge, low * Hash.SIZE, acc, 0, Hash.SIZE);
    for (int level = low + 1; level < MAX_LEVELS; level++) {
      if ((size >>> level & 1) == 1) {
        hasher.nodeInto(edge, level * Hash.SIZE, acc, 0, acc, 0);
      }
    }
    return new Hash(acc);
  }

  /** The perfect subtree hashes, leftmost (largest) first. */
  public List<Hash> subtrees() {
    List<Hash> out = new ArrayList<>(Long.bitCount(size));
    for (int level = MAX_LEVELS - 1; level >= 0; level--) {
      if ((size >>> level & 1) == 1) {
        out.add(Hash.copyOf(edge, level * Hash.SIZE));
      }
    }
    return out;
  }

  /** An independent copy, with its own hasher. */
  public RightEdge copy() {
    RightEdge c = new RightEdge();
    System.arraycopy(edge, 0, c.edge, 0, edge.length);
    c.size = size;
    return c;
  }
}
