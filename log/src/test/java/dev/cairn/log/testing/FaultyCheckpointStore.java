package dev.cairn.log.testing;

import dev.cairn.log.storage.embedded.CheckpointStore;
import java.io.IOException;
import java.util.Optional;

/** A checkpoint store that fails the swaps (and creates) it is told to fail. */
public final class FaultyCheckpointStore implements CheckpointStore {
  private final CheckpointStore inner;
  private final FaultPlan faults = new FaultPlan("checkpoint swap");

  /** Wraps {@code inner}. */
  public FaultyCheckpointStore(CheckpointStore inner) {
    this.inner = inner;
  }

  /** Fails the next create or swap as {@code fault} says. */
  public void failNextSwap(Fault fault) {
    faults.arm(fault);
  }

  @Override
  public Optional<byte[]> latest() throws IOException {
    return inner.latest();
  }

  @Override
  public boolean create(byte[] first) throws IOException {
    boolean[] created = new boolean[1];
    faults.apply("", () -> created[0] = inner.create(first));
    return created[0];
  }

  @Override
  public boolean compareAndSwap(byte[] expected, byte[] next) throws IOException {
    boolean[] swapped = new boolean[1];
    faults.apply("", () -> swapped[0] = inner.compareAndSwap(expected, next));
    return swapped[0];
  }

  /** Makes this store's writes part of {@code crash}. */
  public void crashWith(Crash crash) {
    faults.crashWith(crash);
  }
}
