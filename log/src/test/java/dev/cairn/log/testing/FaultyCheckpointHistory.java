package dev.cairn.log.testing;

import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.log.storage.embedded.HistoryStore;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** A checkpoint history that fails the appends it is told to fail. */
public final class FaultyCheckpointHistory implements HistoryStore {
  private final HistoryStore inner;
  private final FaultPlan faults = new FaultPlan("history append");

  /** Wraps {@code inner}. */
  public FaultyCheckpointHistory(HistoryStore inner) {
    this.inner = inner;
  }

  /** Fails the next append as {@code fault} says. */
  public void failNextAppend(Fault fault) {
    faults.arm(fault);
  }

  @Override
  public void append(Entry entry) throws IOException {
    faults.apply("", () -> inner.append(entry));
  }

  @Override
  public Optional<Entry> last() throws IOException {
    return inner.last();
  }

  @Override
  public Optional<Entry> bySize(long size) throws IOException {
    return inner.bySize(size);
  }

  @Override
  public List<Entry> list(long after, int limit, Instant from, Instant to) throws IOException {
    return inner.list(after, limit, from, to);
  }

  /** Makes this store's writes part of {@code crash}. */
  public void crashWith(Crash crash) {
    faults.crashWith(crash);
  }
}
