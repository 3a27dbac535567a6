package dev.cairn.log.storage.embedded;

import dev.cairn.log.storage.CheckpointHistory;
import java.io.IOException;
import java.util.List;

/**
 * The checkpoint history as the embedded coordinator keeps it: the read view plus appends.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>{@link #append} is durable when it returns; checkpoints are appended in order of strictly
 *       increasing size. Appending a size that is already present is accepted only if it is the
 *       same checkpoint (so recovery may repeat the last append), and changes nothing.
 *   <li>Nothing is ever removed or changed.
 *   <li>Reads MAY run concurrently with each other and with the one appender.
 * </ul>
 */
public interface HistoryStore extends CheckpointHistory {
  /**
   * Appends {@code entry} durably.
   *
   * @throws IllegalStateException if its size is not above the last one (unless it repeats the
   *     last entry exactly)
   */
  void append(Entry entry) throws IOException;

  /**
   * Appends {@code entries}, in order, as {@link #append} does each; durable when it returns.
   * Backends override it to make the group durable at once.
   */
  default void appendAll(List<Entry> entries) throws IOException {
    for (Entry e : entries) {
      append(e);
    }
  }
}
