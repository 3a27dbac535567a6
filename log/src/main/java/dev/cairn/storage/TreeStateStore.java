package dev.cairn.storage;

import java.io.IOException;
import java.util.Optional;

/**
 * The durably sequenced tree head: the sequencer's commit point. An entry's index is
 * acknowledged only after a tree head covering it is saved here, and the tiles and bundles of
 * that tree are durable before it is saved.
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
