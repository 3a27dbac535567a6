package dev.cairn.log.storage.embedded;

import dev.cairn.log.storage.TreeHead;
import java.io.IOException;
import java.util.Optional;

/**
 * The integrated tree head: every bundle and tile of this tree is durable in the object store,
 * so checkpoints may cover it and the {@link SequenceLog} may forget the batches below it. It is
 * saved only after those objects are durable.
 *
 * <p>Contract: {@link #save} MUST be atomic and durable when it returns; {@link #load} returns
 * the last saved tree head (empty for a new log). Only the one sequencer saves.
 */
public interface TreeStateStore {
  /** The last saved tree head, if any. */
  Optional<TreeHead> load() throws IOException;

  /** Saves {@code head} atomically and durably. */
  void save(TreeHead head) throws IOException;
}
