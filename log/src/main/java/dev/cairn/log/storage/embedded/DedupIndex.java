package dev.cairn.log.storage.embedded;

import dev.cairn.merkle.Hash;
import java.io.IOException;
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
 *       writer.
 * </ul>
 */
public interface DedupIndex {
  /** A leaf hash and the index of its entry. */
  record Mapping(Hash leafHash, long index) {}

  /** The indices of those of {@code leafHashes} that are present. */
  Map<Hash, Long> lookup(Collection<Hash> leafHashes) throws IOException;

  /** Adds mappings, all below {@code watermark}, and raises the watermark to it. */
  void add(List<Mapping> mappings, long watermark) throws IOException;

  /** The tree size below which every entry is indexed (0 for a new index). */
  long watermark() throws IOException;
}
