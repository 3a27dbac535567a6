package dev.cairn.log.storage;

import java.io.IOException;
import java.util.List;

/**
 * The write-ahead log of sequenced batches: the sequencer's commit point. A batch — its entries
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
  /**
   * One sequenced batch.
   *
   * @param start the index of its first entry
   * @param entries the entries, in index order
   * @param head the tree head after the batch ({@code start + entries.size()} leaves)
   */
  record Batch(long start, List<byte[]> entries, TreeHead head) {
    /** Checks that the head follows from the entries. */
    public Batch {
      entries = List.copyOf(entries);
      if (start < 0 || head.size() != start + entries.size()) {
        throw new IllegalArgumentException("a batch of " + entries.size() + " entries from "
            + start + " cannot end at size " + head.size());
      }
    }
  }

  /** Receives replayed batches. */
  @FunctionalInterface
  interface Replay {
    /** One batch, in order. */
    void batch(Batch batch) throws IOException;
  }

  /** Appends {@code batch} atomically and durably. */
  void append(Batch batch) throws IOException;

  /** Replays, in order, every batch that ends after {@code size}. */
  void replay(long size, Replay replay) throws IOException;

  /** Lets the log discard batches that end at or below {@code size}. */
  void dropThrough(long size) throws IOException;
}
