package dev.cairn.log.storage;

import dev.cairn.merkle.Hash;
import java.io.IOException;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/**
 * The coordination of one log, kept by one backend per infrastructure (the embedded one in a
 * data directory; PostgreSQL for several nodes): who sequences, the commit of sequenced batches
 * with their deduplication, how far the {@link ObjectStore} holds the tree, and the latest
 * checkpoint with the history of every checkpoint published. Tiles and bundles are not kept
 * here; the object store has them.
 *
 * <p>Everything that changes the log goes through a {@link Lease}, and at most one lease is live
 * at a time: that is what makes one process the sequencer, and what stops a process that lost
 * its lease (a pause, a partition) from changing anything afterwards. (A backend shared by
 * several processes may also let each commit batches without the lease, for the holder's next
 * {@link Lease#assign} of an empty batch to adopt: see {@code dev.cairn.cluster}.) The reads here need no
 * lease and MAY be called by anyone, at any time, from any thread.
 */
public interface Coordinator extends AutoCloseable {
  /**
   * Takes the lease for {@code holder} (a node's name, for messages and metrics). The epoch of a
   * new lease is above every earlier one's, and from the moment it is granted every earlier
   * lease is fenced out (see {@link Lease}).
   *
   * @throws StorageException of kind {@code FENCED} if another holder's lease is live, naming it
   */
  Lease acquire(String holder) throws IOException;

  /** The latest published checkpoint, if any. */
  Optional<StoredCheckpoint> latest() throws IOException;

  /** Every published checkpoint, oldest first; the latest is in it. */
  CheckpointHistory history();

  /**
   * The indices of those of {@code leafHashes} that are sequenced. It may answer from a moment
   * ago, and may include entries not yet in a published checkpoint: callers that reveal an
   * index check it against their checkpoint.
   */
  Map<Hash, Long> lookup(Collection<Hash> leafHashes) throws IOException;

  /** The tree head whose tiles and bundles are all durable in the object store. */
  TreeHead integrated() throws IOException;

  /** Releases what the coordinator holds; a live lease ends with it. */
  @Override
  void close() throws IOException;
}
