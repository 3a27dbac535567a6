package dev.cairn.log.storage;

import java.util.List;

/**
 * One committed batch of new entries.
 *
 * @param start the index of its first entry
 * @param entries the entries, in index order
 * @param head the tree head after the batch ({@code start + entries.size()} leaves)
 */
public record SequencedBatch(long start, List<byte[]> entries, TreeHead head) {
  /** Checks that the head follows from the entries. */
  public SequencedBatch {
    entries = List.copyOf(entries);
    if (start < 0 || head.size() != start + entries.size()) {
      throw new IllegalArgumentException("a batch of " + entries.size() + " entries from "
          + start + " cannot end at size " + head.size());
    }
  }
}
