package dev.cairn.interop;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * What a log told its clients, across crashes: every acknowledged (index, entry) pair and every
 * checkpoint note it served. This is what the log must never take back. Thread-safe; writers
 * record into it concurrently.
 */
final class Ledger {
  private final Map<Long, byte[]> acknowledged = new ConcurrentHashMap<>();
  /** Indices acknowledged since the last {@link #drainRecent()}. */
  private final Queue<Long> recent = new ConcurrentLinkedQueue<>();
  /** Notes served, keyed by their bytes read as ISO-8859-1 (one char per byte, so exact). */
  private final Map<String, byte[]> served = new ConcurrentHashMap<>();
  private final Queue<String> contradictions = new ConcurrentLinkedQueue<>();

  /**
   * Records that the log acknowledged {@code entry} at {@code index}. An index acknowledged
   * for two different entries is a contradiction, kept for {@link #contradictions()}.
   */
  void acknowledge(long index, byte[] entry) {
    byte[] earlier = acknowledged.putIfAbsent(index, entry);
    if (earlier == null) {
      recent.add(index);
    } else if (!Arrays.equals(earlier, entry)) {
      contradictions.add("index " + index + " was acknowledged for two entries: "
          + describe(earlier) + " and " + describe(entry));
    }
  }

  /** Records a checkpoint note the log served. */
  void served(byte[] note) {
    served.putIfAbsent(new String(note, StandardCharsets.ISO_8859_1), note);
  }

  /** Every acknowledged entry by index (a live, unmodifiable view). */
  Map<Long, byte[]> acknowledged() {
    return Collections.unmodifiableMap(acknowledged);
  }

  /** The largest acknowledged index, or -1. */
  long lastAcknowledged() {
    return acknowledged.keySet().stream().mapToLong(Long::longValue).max().orElse(-1);
  }

  /** The indices acknowledged since the previous call. */
  List<Long> drainRecent() {
    List<Long> out = new ArrayList<>();
    for (Long i; (i = recent.poll()) != null; ) {
      out.add(i);
    }
    return out;
  }

  /** Every distinct checkpoint note served so far. */
  List<byte[]> servedNotes() {
    return List.copyOf(served.values());
  }

  /** Whether {@code note} was recorded as served. */
  boolean wasServed(byte[] note) {
    return served.containsKey(new String(note, StandardCharsets.ISO_8859_1));
  }

  /** Contradictions found while recording. */
  List<String> contradictions() {
    return List.copyOf(contradictions);
  }

  /** An entry for messages: its length and its first bytes in hex. */
  static String describe(byte[] entry) {
    return entry.length + " bytes " + HexFormat.of().formatHex(entry, 0, Math.min(48,
        entry.length)) + (entry.length > 48 ? "..." : "");
  }
}
