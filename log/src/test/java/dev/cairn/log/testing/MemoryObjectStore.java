package dev.cairn.log.testing;

import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.StorageException;
import dev.cairn.tile.TilePath;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;

/**
 * Objects in a concurrent map; "durable" for as long as the instance lives. Counts reads, and
 * records every attempt to write other bytes over an object (which it refuses), so tests can
 * show that nothing was ever overwritten.
 */
public final class MemoryObjectStore implements ObjectStore {
  private final Map<String, byte[]> objects = new ConcurrentHashMap<>();
  private final AtomicLong gets = new AtomicLong();
  private final AtomicLong conflicts = new AtomicLong();

  @Override
  public void create(String path, byte[] data) throws StorageException {
    if (!TilePath.parse(path).path().equals(path)) {
      throw new IllegalArgumentException("not a canonical object path: " + path);
    }
    byte[] stored = objects.putIfAbsent(path, data.clone());
    if (stored != null && !Arrays.equals(stored, data)) {
      conflicts.incrementAndGet();
      throw new StorageException(StorageException.Kind.CONFLICT, path + " already holds "
          + stored.length + " other bytes than the " + data.length + " being written");
    }
  }

  @Override
  public Optional<byte[]> get(String path) {
    gets.incrementAndGet();
    byte[] b = objects.get(path);
    return b == null ? Optional.empty() : Optional.of(b.clone());
  }

  @Override
  public void deletePartials(TilePath full, IntPredicate widths) {
    if (full.isPartial()) {
      throw new IllegalArgumentException(full.path() + " is not a full tile");
    }
    String prefix = full.path() + ".p/";
    objects.keySet().removeIf(k -> k.startsWith(prefix)
        && widths.test(Integer.parseInt(k.substring(prefix.length()))));
  }

  @Override
  public void publishCheckpoint(byte[] note) {
    objects.put(CHECKPOINT, note.clone());
  }

  /** How many reads were made so far. */
  public long gets() {
    return gets.get();
  }

  /** How many writes of other bytes over an object were refused. */
  public long conflicts() {
    return conflicts.get();
  }

  /** The paths stored now. */
  public Set<String> paths() {
    return Set.copyOf(objects.keySet());
  }
}
