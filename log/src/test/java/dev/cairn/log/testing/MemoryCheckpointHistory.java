package dev.cairn.log.testing;

import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.log.storage.embedded.HistoryStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The history in a sorted map, keyed by size. */
public final class MemoryCheckpointHistory implements HistoryStore {
  private final TreeMap<Long, Entry> entries = new TreeMap<>();

  @Override
  public synchronized void append(Entry entry) {
    Map.Entry<Long, Entry> last = entries.lastEntry();
    if (last != null && entry.size() <= last.getKey()) {
      if (last.getKey() == entry.size() && Arrays.equals(last.getValue().note(), entry.note())) {
        return;
      }
      throw new IllegalStateException("history already holds size " + last.getKey()
          + ", cannot append size " + entry.size());
    }
    entries.put(entry.size(), entry);
  }

  @Override
  public synchronized Optional<Entry> last() {
    Map.Entry<Long, Entry> last = entries.lastEntry();
    return last == null ? Optional.empty() : Optional.of(last.getValue());
  }

  @Override
  public synchronized Optional<Entry> bySize(long size) {
    return Optional.ofNullable(entries.get(size));
  }

  @Override
  public synchronized List<Entry> list(long after, int limit, Instant from, Instant to) {
    List<Entry> out = new ArrayList<>();
    for (Entry e : entries.tailMap(after, false).values()) {
      if (out.size() == limit || !e.time().isBefore(to)) {
        break;
      }
      if (!e.time().isBefore(from)) {
        out.add(e);
      }
    }
    return out;
  }

  /** Every entry, oldest first. */
  public synchronized List<Entry> all() {
    return List.copyOf(entries.values());
  }
}
