package dev.cairn.merkle;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A bounded, thread-safe cache of complete-subtree hashes of one append-only tree.
 *
 * <p>In an append-only tree the hash of a complete subtree never changes once the subtree is
 * complete, whatever the tree's size later: so one cache can serve every proof over every
 * checkpoint of a log. Proofs for recent entries share their upper subtrees, which tiles only
 * store 8 levels apart (a hash at level {@code 8L + 7} costs 127 node hashes to rebuild from
 * its tile).
 *
 * <p>Direct-mapped: each {@code (level, index)} has one slot, and a newer hash for another
 * subtree in the same slot replaces it. Leaf-level reads are not cached: they cost no hashing.
 */
public final class SubtreeCache {
  private record Slot(int level, long index, Hash hash) {}

  private final AtomicReferenceArray<Slot> slots;
  private final int shift;

  /** A cache of {@code 2^bits} slots (each holds one hash, about 100 bytes of heap). */
  public SubtreeCache(int bits) {
    if (bits < 1 || bits > 24) {
      throw new IllegalArgumentException("bits must be 1 to 24, got " + bits);
    }
    this.slots = new AtomicReferenceArray<>(1 << bits);
    this.shift = 64 - bits;
  }

  /**
   * A reader that answers from this cache and fills it from {@code reader}. The reader must be
   * over the tree this cache is for (at any size).
   */
  public HashReader over(HashReader reader) {
    return (level, index) -> {
      if (level == 0) {
        return reader.read(level, index);
      }
      int i = slot(level, index);
      Slot s = slots.getAcquire(i);
      if (s != null && s.level() == level && s.index() == index) {
        return s.hash();
      }
      Hash h = reader.read(level, index);
      slots.setRelease(i, new Slot(level, index, h));
      return h;
    };
  }

  private int slot(int level, long index) {
    long mixed = (index + 1) * 0x9E3779B97F4A7C15L ^ (long) level * 0xC2B2AE3D27D4EB4FL;
    return (int) ((mixed ^ mixed >>> 29) * 0xBF58476D1CE4E5B9L >>> shift);
  }
}
