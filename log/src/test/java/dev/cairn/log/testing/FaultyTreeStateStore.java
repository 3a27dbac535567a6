package dev.cairn.log.testing;

import dev.cairn.log.storage.TreeHead;
import dev.cairn.log.storage.embedded.TreeStateStore;
import java.io.IOException;
import java.util.Optional;

/** A tree state store that fails the saves it is told to fail. */
public final class FaultyTreeStateStore implements TreeStateStore {
  private final TreeStateStore inner;
  private final FaultPlan faults = new FaultPlan("tree state save");

  /** Wraps {@code inner}. */
  public FaultyTreeStateStore(TreeStateStore inner) {
    this.inner = inner;
  }

  /** Fails the next save as {@code fault} says. */
  public void failNextSave(Fault fault) {
    faults.arm(fault);
  }

  @Override
  public Optional<TreeHead> load() throws IOException {
    return inner.load();
  }

  @Override
  public void save(TreeHead head) throws IOException {
    faults.apply("", () -> inner.save(head));
  }

  /** Makes this store's writes part of {@code crash}. */
  public void crashWith(Crash crash) {
    faults.crashWith(crash);
  }
}
