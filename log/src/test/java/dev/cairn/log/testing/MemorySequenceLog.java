package dev.cairn.log.testing;

import dev.cairn.log.storage.SequencedBatch;
import dev.cairn.log.storage.embedded.SequenceLog;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** A sequence log in memory; it survives a sequencer restart, as a file would. */
public final class MemorySequenceLog implements SequenceLog {
  private final List<SequencedBatch> batches = new ArrayList<>();

  @Override
  public synchronized void append(SequencedBatch batch) {
    if (!batches.isEmpty() && batches.get(batches.size() - 1).head().size() != batch.start()) {
      throw new IllegalArgumentException("batch starts at " + batch.start() + " but the log ends"
          + " at " + batches.get(batches.size() - 1).head().size());
    }
    batches.add(batch);
  }

  @Override
  public synchronized void replay(long size, Replay replay) throws IOException {
    for (SequencedBatch b : List.copyOf(batches)) {
      if (b.head().size() > size) {
        replay.batch(b);
      }
    }
  }

  @Override
  public synchronized void dropThrough(long size) {
    batches.removeIf(b -> b.head().size() <= size);
  }

  /** The batches held now. */
  public synchronized List<SequencedBatch> batches() {
    return new ArrayList<>(batches);
  }
}
