package dev.cairn.log.storage.embedded;

import java.io.IOException;
import java.util.Optional;

/**
 * The latest published checkpoint (a signed note), replaced only by compare-and-swap so that two
 * publishers can never overwrite each other's checkpoints unseen.
 *
 * <p>Contract: {@link #create} and {@link #compareAndSwap} MUST be atomic and durable when they
 * return true, and MUST change nothing when they return false. Calls MAY come from several
 * threads or processes at once.
 */
public interface CheckpointStore {
  /** The latest checkpoint, if one was ever stored. */
  Optional<byte[]> latest() throws IOException;

  /** Stores the first checkpoint; false if one is already stored. */
  boolean create(byte[] first) throws IOException;

  /** Replaces the latest checkpoint with {@code next} if it is still {@code expected}. */
  boolean compareAndSwap(byte[] expected, byte[] next) throws IOException;
}
