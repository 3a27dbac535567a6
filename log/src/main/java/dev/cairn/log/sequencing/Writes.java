package dev.cairn.log.sequencing;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Objects waiting to be written, by path. Of a tile or bundle only the newest version is kept:
 * {@code tile/0/005.p/37} goes when {@code tile/0/005.p/40} or {@code tile/0/005} comes, since
 * the narrower partial would be superseded before any checkpoint could need it.
 */
final class Writes {
  private final LinkedHashMap<String, byte[]> objects = new LinkedHashMap<>();
  /** The pending partial version of each tile, by the tile's full path. */
  private final Map<String, String> partials = new HashMap<>();
  /** The bytes of the objects held. */
  private long bytes;

  /** Adds {@code newer}, replacing older versions of the same tiles. */
  void addAll(Map<String, byte[]> newer) {
    for (Map.Entry<String, byte[]> e : newer.entrySet()) {
      add(e.getKey(), e.getValue());
    }
  }

  /** Adds every object of {@code newer}, replacing older versions of the same tiles. */
  void addAll(Writes newer) {
    addAll(newer.objects);
  }

  private void add(String path, byte[] data) {
    int p = path.indexOf(".p/");
    String full = p < 0 ? path : path.substring(0, p);
    String older = p < 0 ? partials.remove(full) : partials.put(full, path);
    if (older != null && !older.equals(path)) {
      bytes -= objects.remove(older).length;
    }
    byte[] replaced = objects.put(path, data);
    bytes += data.length - (replaced == null ? 0 : replaced.length);
  }

  boolean isEmpty() {
    return objects.isEmpty();
  }

  int size() {
    return objects.size();
  }

  /** The bytes of the objects, which is what they hold in memory until written. */
  long bytes() {
    return bytes;
  }

  /** The objects, in the order they came. */
  Map<String, byte[]> objects() {
    return Collections.unmodifiableMap(objects);
  }
}
