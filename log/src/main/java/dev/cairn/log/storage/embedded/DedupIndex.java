package dev.cairn.log.storage.embedded;

import dev.cairn.merkle.Hash;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Maps the leaf hash of every sequenced entry to its index, so a resubmitted entry gets its
 * existing index. The index also records the tree size it covers, its watermark: every entry
 * below the watermark is indexed. It is derived from the sequence log (and, if lost, rebuilt from
 * the bundles), so {@link #add} need not be durable when it returns.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>{@link #add} is atomic: after a crash, all of one call's mappings and its watermark are
 *       present, or none of them.
 *   <li>Callers add only hashes that are absent (the coordinator looks every batch up first), or
 *       repeat a mapping exactly (when rebuilding); an implementation need not check.
 *   <li>The watermark never decreases, except that a crash, or a failed write of the index to
 *       its disk, may lose the adds not yet flushed there; the writer then finds the watermark
 *       lower than the log's size and indexes the rest again.
 *   <li>Lookups MAY run concurrently with each other and with {@link #add}; the log has one
 *       writer. A lookup finds only mappings below the watermark it reads.
 * </ul>
 */
public interface DedupIndex {
  /** A leaf hash and the index of its entry. */
  record Mapping(Hash leafHash, long index) {}

  /**
   * Starts copying the index into the process's memory in the background, where it is mapped
   * from files and syncs itself, so that the stores of adds to come do not each take a page
   * fault; nothing otherwise.
   */
  default void warmInBackground() {}

  /** The indices of those of {@code leafHashes} that are present. */
  Map<Hash, Long> lookup(Collection<Hash> leafHashes) throws IOException;

  /**
   * {@link #lookup(Collection)} of {@code count} leaf hashes stored back to back in {@code
   * keys} (as in a level-0 tile), without an object per hash: sets {@code indices[i]} to the
   * index of the {@code i}th, or -1 if it is absent.
   */
  default void lookup(byte[] keys, int count, long[] indices) throws IOException {
    List<Hash> hashes = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      hashes.add(Hash.copyOf(keys, i * Hash.SIZE));
    }
    Map<Hash, Long> found = lookup(hashes);
    for (int i = 0; i < count; i++) {
      indices[i] = found.getOrDefault(hashes.get(i), -1L);
    }
  }

  /** Adds mappings, all below {@code watermark}, and raises the watermark to it. */
  void add(List<Mapping> mappings, long watermark) throws IOException;

  /**
   * Prepares for {@code entries} entries in all, when they are about to be added in one go (a
   * restore, a rebuild): a hint, which an implementation may ignore.
   */
  default void reserve(long entries) throws IOException {}

  /**
   * Whether the index is known to hold the leaf hash at {@code off} in {@code keys} as the entry
   * {@code index}, although that is not below its {@linkplain #watermark watermark} (a crash left
   * part of the index further along than the watermark says): bringing the index up to the log
   * need neither look it up nor add it. False unless an implementation knows.
   */
  default boolean holds(byte[] keys, int off, long index) {
    return false;
  }

  /** The tree size below which every entry is indexed (0 for a new index). */
  long watermark() throws IOException;
}
