package dev.cairn.log.http;

import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BinaryOperator;
import java.util.function.ToIntFunction;

/**
 * Immutable answers kept in memory, bounded by their bytes: when a put takes the cache over its
 * budget, entries are dropped (in no particular order) until it holds 7/8 of it. A value larger
 * than half the budget is not kept.
 */
final class ByteCache<K, V> {
  private final ConcurrentHashMap<K, V> entries = new ConcurrentHashMap<>();
  private final AtomicLong bytes = new AtomicLong();
  private final long budget;
  private final ToIntFunction<V> size;

  /** A cache of at most about {@code budget} bytes, each value weighing {@code size}. */
  ByteCache(long budget, ToIntFunction<V> size) {
    this.budget = budget;
    this.size = size;
  }

  V get(K key) {
    return entries.get(key);
  }

  /**
   * Keeps {@code value} for {@code key}, or if one is kept already, whichever of the two {@code
   * choose(kept, value)} returns.
   */
  void put(K key, V value, BinaryOperator<V> choose) {
    int weight = size.applyAsInt(value);
    if (weight > budget / 2) {
      return;
    }
    long[] delta = {0};
    V kept = entries.merge(key, value, (old, now) -> {
      V chosen = choose.apply(old, now);
      if (chosen != old) {
        delta[0] -= size.applyAsInt(old);
      }
      return chosen;
    });
    if (kept != value) {
      return; // the one kept already
    }
    if (bytes.addAndGet(delta[0] + weight) > budget) {
      evict();
    }
  }

  /** Bytes held now. */
  long bytes() {
    return bytes.get();
  }

  private void evict() {
    Iterator<K> it = entries.keySet().iterator();
    while (bytes.get() > budget - budget / 8 && it.hasNext()) {
      V gone = entries.remove(it.next());
      if (gone != null) {
        bytes.addAndGet(-size.applyAsInt(gone));
      }
    }
  }
}
