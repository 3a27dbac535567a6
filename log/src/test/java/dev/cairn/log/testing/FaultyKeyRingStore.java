package dev.cairn.log.testing;

import dev.cairn.log.storage.Version;
import dev.cairn.log.keys.KeyRing;
import dev.cairn.log.keys.KeyRingStore;
import java.io.IOException;
import java.util.Optional;

/** A key ring store that fails the commits it is told to fail. */
public final class FaultyKeyRingStore implements KeyRingStore {
  private final KeyRingStore inner;
  private final FaultPlan faults = new FaultPlan("key ring commit");

  /** Wraps {@code inner}. */
  public FaultyKeyRingStore(KeyRingStore inner) {
    this.inner = inner;
  }

  /** Fails the next commit as {@code fault} says. */
  public void failNextCommit(Fault fault) {
    faults.arm(fault);
  }

  @Override
  public Optional<Stored> load() throws IOException {
    return inner.load();
  }

  @Override
  public Optional<Version> commit(Optional<Version> expected, KeyRing next) throws IOException {
    @SuppressWarnings("unchecked")
    Optional<Version>[] committed = new Optional[1];
    faults.apply("", () -> committed[0] = inner.commit(expected, next));
    return committed[0];
  }

  @Override
  public String toString() {
    return inner.toString();
  }
}
