package dev.cairn.log.testing;

import dev.cairn.log.storage.embedded.CheckpointStore;
import java.util.Arrays;
import java.util.Optional;

/** The latest checkpoint in a field, swapped under the instance's lock. */
public final class MemoryCheckpointStore implements CheckpointStore {
  private byte[] current;

  @Override
  public synchronized Optional<byte[]> latest() {
    return Optional.ofNullable(current).map(byte[]::clone);
  }

  @Override
  public synchronized boolean create(byte[] first) {
    if (current != null) {
      return false;
    }
    current = first.clone();
    return true;
  }

  @Override
  public synchronized boolean compareAndSwap(byte[] expected, byte[] next) {
    if (current == null || !Arrays.equals(current, expected)) {
      return false;
    }
    current = next.clone();
    return true;
  }
}
