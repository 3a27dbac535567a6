package dev.cairn.log.storage.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The checkpoint history in RocksDB: key = 8-byte big-endian size, value = 8-byte publication
 * time in milliseconds followed by the note; a second column family keyed by (time, size) finds
 * where a time range starts. Appends are fsynced, so they survive the reopen that follows a
 * failed write (see {@link RocksDatabase}).
 */
final class RocksCheckpointHistory implements HistoryStore {
  private final RocksDatabase db;
  private final int bySize;
  private final int byTime;
  private final WriteOptions syncWrites = new WriteOptions().setSync(true);

  /** A history in column families {@code bySize} and {@code byTime} of {@code db}. */
  RocksCheckpointHistory(RocksDatabase db, int bySize, int byTime) {
    this.db = db;
    this.bySize = bySize;
    this.byTime = byTime;
  }

  /** A history over an open database that is never reopened. */
  RocksCheckpointHistory(RocksDB db, ColumnFamilyHandle bySize, ColumnFamilyHandle byTime) {
    this(RocksDatabase.fixed(db, List.of(bySize, byTime)), 0, 1);
  }

  @Override
  public void append(Entry entry) throws IOException {
    appendAll(List.of(entry));
  }

  /** Appends the entries in one synced write batch. */
  @Override
  public synchronized void appendAll(List<Entry> entries) throws IOException {
    Optional<Entry> last = last();
    List<Entry> fresh = new ArrayList<>();
    for (Entry entry : entries) {
      if (last.isPresent() && entry.size() <= last.get().size()) {
        if (last.get().size() == entry.size()
            && Arrays.equals(last.get().note(), entry.note())) {
          continue; // a repeat of the last append, as recovery may make
        }
        throw new IllegalStateException("history already holds size " + last.get().size()
            + ", cannot append size " + entry.size());
      }
      fresh.add(entry);
      last = Optional.of(entry);
    }
    if (fresh.isEmpty()) {
      return;
    }
    try {
      db.write((rocks, handles) -> {
        try (WriteBatch batch = new WriteBatch()) {
          for (Entry entry : fresh) {
            long millis = entry.time().toEpochMilli();
            byte[] note = entry.note();
            byte[] value = ByteBuffer.allocate(8 + note.length).putLong(millis).put(note)
                .array();
            batch.put(handles.get(bySize), key(entry.size()), value);
            batch.put(handles.get(byTime),
                ByteBuffer.allocate(16).putLong(millis).putLong(entry.size()).array(),
                new byte[0]);
          }
          rocks.write(syncWrites, batch);
        }
        return null;
      });
    } catch (RocksDBException e) {
      throw new IOException("history append failed: " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<Entry> last() throws IOException {
    return read((rocks, handles) -> {
      try (RocksIterator it = rocks.newIterator(handles.get(bySize))) {
        it.seekToLast();
        return it.isValid() ? Optional.of(decode(it.key(), it.value())) : Optional.empty();
      }
    });
  }

  @Override
  public Optional<Entry> bySize(long size) throws IOException {
    return read((rocks, handles) -> {
      byte[] v = rocks.get(handles.get(bySize), key(size));
      return v == null ? Optional.empty() : Optional.of(decode(key(size), v));
    });
  }

  @Override
  public List<Entry> list(long after, int limit, Instant from, Instant to) throws IOException {
    return read((rocks, handles) -> {
      long start = after == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(after + 1, 0);
      if (from.isAfter(Instant.EPOCH)) {
        try (RocksIterator it = rocks.newIterator(handles.get(byTime))) {
          it.seek(ByteBuffer.allocate(16).putLong(from.toEpochMilli()).putLong(0).array());
          if (!it.isValid()) {
            return List.of();
          }
          start = Math.max(start, ByteBuffer.wrap(it.key()).getLong(8));
        }
      }
      List<Entry> out = new ArrayList<>();
      try (RocksIterator it = rocks.newIterator(handles.get(bySize))) {
        for (it.seek(key(start)); it.isValid() && out.size() < limit; it.next()) {
          Entry e = decode(it.key(), it.value());
          if (!e.time().isBefore(to)) {
            break;
          }
          if (!e.time().isBefore(from)) {
            out.add(e);
          }
        }
      }
      return out;
    });
  }

  private <T> T read(RocksDatabase.Use<T> read) throws IOException {
    try {
      return db.read(read);
    } catch (RocksDBException e) {
      throw new IOException("history read failed: " + e.getMessage(), e);
    }
  }

  private static byte[] key(long size) {
    return ByteBuffer.allocate(8).putLong(size).array();
  }

  private static Entry decode(byte[] key, byte[] value) {
    ByteBuffer v = ByteBuffer.wrap(value);
    long millis = v.getLong();
    byte[] note = new byte[v.remaining()];
    v.get(note);
    return new Entry(ByteBuffer.wrap(key).getLong(), Instant.ofEpochMilli(millis), note);
  }
}
