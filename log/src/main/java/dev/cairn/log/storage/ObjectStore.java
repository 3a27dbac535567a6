package dev.cairn.log.storage;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * Tiles and entry bundles, addressed by their full-width tlog-tiles path ({@code tile/0/x001/234},
 * {@code tile/entries/005}). A tile that is still partial is stored under that same path and
 * replaced as it grows, so a stored object is always at least as wide as any width a checkpoint
 * needs; readers cut the prefix they want.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>{@link #put} MUST be atomic: a concurrent or later {@link #get} sees the previous bytes or
 *       the new bytes, never a mix, a truncation or nothing.
 *   <li>When {@link #put} returns, the object MUST be durable: it survives a process crash and a
 *       power loss.
 *   <li>Puts of different paths MAY run concurrently. The log never puts one path from two
 *       threads at once.
 *   <li>{@link #get} MAY run concurrently with anything.
 * </ul>
 */
public interface ObjectStore {
  /** Stores {@code data} at {@code path}, atomically and durably replacing any object there. */
  void put(String path, byte[] data) throws IOException;

  /**
   * Stores each object as {@link #put} does; when it returns, all of them are durable. The group
   * is not atomic: after a failure or crash any subset may have landed. Backends override it to
   * write in parallel and share the cost of making names durable.
   */
  default void putAll(Map<String, byte[]> objects) throws IOException {
    for (Map.Entry<String, byte[]> o : objects.entrySet()) {
      put(o.getKey(), o.getValue());
    }
  }

  /** The object at {@code path}, if there is one. */
  Optional<byte[]> get(String path) throws IOException;
}
