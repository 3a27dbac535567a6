package dev.cairn.log.testing;

import dev.cairn.log.storage.ObjectStore;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Objects in a concurrent map; "durable" for as long as the instance lives. Counts reads. */
public final class MemoryObjectStore implements ObjectStore {
  private final Map<String, byte[]> objects = new ConcurrentHashMap<>();
  private final AtomicLong gets = new AtomicLong();

  @Override
  public void put(String path, byte[] data) {
    if (!path.startsWith("tile/")) {
      throw new IllegalArgumentException("not an object path: " + path);
    }
    objects.put(path, data.clone());
  }

  @Override
  public Optional<byte[]> get(String path) {
    gets.incrementAndGet();
    byte[] b = objects.get(path);
    return b == null ? Optional.empty() : Optional.of(b.clone());
  }

  /** How many reads were made so far. */
  public long gets() {
    return gets.get();
  }
}
