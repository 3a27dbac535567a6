package dev.cairn.log.storage.embedded;

import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.SequencedBatch;
import java.io.IOException;

/**
 * The write-ahead log of sequenced batches: the embedded coordinator's commit point. A batch — its entries
 * and the tree head after them — is appended durably before any of its indices is acknowledged.
 * Its bundles and tiles reach the {@link ObjectStore} later (integration); batches the object
 * store already holds may then be dropped.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>{@link #append} is atomic and durable when it returns: after a crash a batch is wholly
 *       present or absent. Batches are appended in order, each starting where the last ended.
 *   <li>{@link #replay} hands over, in order, every appended batch that ends after the given
 *       size and was not dropped.
 *   <li>{@link #dropThrough} MAY discard batches that end at or below the given size, and MUST
 *       NOT discard any other.
 *   <li>There is one writer; {@link #replay} runs before it starts appending.
 * </ul>
 */
public interface SequenceLog {
  /** Receives replayed batches. */
  @FunctionalInterface
  interface Replay {
    /** One batch, in order. */
    void batch(SequencedBatch batch) throws IOException;
  }

  /** Appends {@code batch} atomically and durably. */
  void append(SequencedBatch batch) throws IOException;

  /** Replays, in order, every batch that ends after {@code size}. */
  void replay(long size, Replay replay) throws IOException;

  /** Lets the log discard batches that end at or below {@code size}. */
  void dropThrough(long size) throws IOException;
}
