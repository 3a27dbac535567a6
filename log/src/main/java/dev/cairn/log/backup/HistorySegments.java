package dev.cairn.log.backup;

import dev.cairn.log.storage.CheckpointHistory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A backup's checkpoint history: files {@code history/<first size>-<last size>} of at most
 * {@link #SEGMENT} checkpoints each, every one a sequence of records: 8-byte size, 8-byte
 * publication time in milliseconds, 4-byte note length, the note (all big-endian). A newer
 * backup adds segments and never rewrites one.
 */
final class HistorySegments implements CheckpointHistory {
  /** Checkpoints per segment: about 14 MB of notes. */
  static final int SEGMENT = 4096;

  private final TreeMap<Long, Path> byFirst = new TreeMap<>();
  private long cachedFirst = -1;
  private List<Entry> cached = List.of();

  /** The history in {@code backup}, from the segment files its manifest lists. */
  HistorySegments(Path backup, BackupManifest manifest) {
    for (String f : manifest.files().keySet()) {
      if (f.startsWith("history/")) {
        String[] range = f.substring("history/".length()).split("-");
        byFirst.put(Long.parseLong(range[0]), backup.resolve(f));
      }
    }
  }

  /** The segment file name for {@code entries}. */
  static String name(List<Entry> entries) {
    return "history/" + entries.getFirst().size() + "-" + entries.getLast().size();
  }

  static byte[] encode(List<Entry> entries) {
    int bytes = 0;
    for (Entry e : entries) {
      bytes += 20 + e.note().length;
    }
    ByteBuffer b = ByteBuffer.allocate(bytes);
    for (Entry e : entries) {
      byte[] note = e.note();
      b.putLong(e.size()).putLong(e.time().toEpochMilli()).putInt(note.length).put(note);
    }
    return b.array();
  }

  private List<Entry> segment(long first) throws IOException {
    if (first != cachedFirst) {
      Path file = byFirst.get(first);
      ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
      List<Entry> entries = new ArrayList<>();
      while (b.hasRemaining()) {
        if (b.remaining() < 20) {
          throw new IOException("history segment " + file + " is truncated");
        }
        long size = b.getLong();
        long millis = b.getLong();
        int len = b.getInt();
        if (len < 0 || len > b.remaining()) {
          throw new IOException("history segment " + file + " is truncated at size " + size);
        }
        byte[] note = new byte[len];
        b.get(note);
        entries.add(new Entry(size, Instant.ofEpochMilli(millis), note));
      }
      cached = entries;
      cachedFirst = first;
    }
    return cached;
  }

  @Override
  public Optional<Entry> last() throws IOException {
    return byFirst.isEmpty() ? Optional.empty()
        : Optional.of(segment(byFirst.lastKey()).getLast());
  }

  @Override
  public Optional<Entry> bySize(long size) throws IOException {
    Long first = byFirst.floorKey(size);
    if (first == null) {
      return Optional.empty();
    }
    return segment(first).stream().filter(e -> e.size() == size).findFirst();
  }

  @Override
  public List<Entry> list(long after, int limit, Instant from, Instant to) throws IOException {
    List<Entry> out = new ArrayList<>();
    Long first = byFirst.floorKey(after + 1);
    if (first == null) {
      first = byFirst.isEmpty() ? null : byFirst.firstKey();
    }
    while (first != null && out.size() < limit) {
      for (Entry e : segment(first)) {
        if (e.size() > after && !e.time().isBefore(from) && e.time().isBefore(to)
            && out.size() < limit) {
          out.add(e);
        }
      }
      first = byFirst.higherKey(first);
    }
    return out;
  }
}
