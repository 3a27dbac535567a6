package dev.cairn.log.testing;

import dev.cairn.merkle.Hash;
import dev.cairn.log.storage.embedded.DedupIndex;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The dedup index in a concurrent map. */
public final class MemoryDedupIndex implements DedupIndex {
  private final Map<Hash, Long> indices = new ConcurrentHashMap<>();
  private volatile long watermark;

  @Override
  public Map<Hash, Long> lookup(Collection<Hash> leafHashes) {
    Map<Hash, Long> found = new HashMap<>();
    for (Hash h : leafHashes) {
      Long i = indices.get(h);
      if (i != null) {
        found.put(h, i);
      }
    }
    return found;
  }

  @Override
  public synchronized void add(List<Mapping> mappings, long newWatermark) {
    for (Mapping m : mappings) {
      if (m.index() >= newWatermark) {
        throw new IllegalArgumentException(
            "index " + m.index() + " is not below the watermark " + newWatermark);
      }
    }
    for (Mapping m : mappings) {
      indices.putIfAbsent(m.leafHash(), m.index());
    }
    watermark = Math.max(watermark, newWatermark);
  }

  @Override
  public long watermark() {
    return watermark;
  }
}
