package dev.cairn.log.testing;

import dev.cairn.log.storage.TreeHead;
import dev.cairn.log.storage.embedded.TreeStateStore;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/** The tree head in an atomic reference. */
public final class MemoryTreeStateStore implements TreeStateStore {
  private final AtomicReference<TreeHead> head = new AtomicReference<>();

  @Override
  public Optional<TreeHead> load() {
    return Optional.ofNullable(head.get());
  }

  @Override
  public void save(TreeHead h) {
    head.set(h);
  }
}
