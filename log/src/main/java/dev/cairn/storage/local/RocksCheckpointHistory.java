package dev.cairn.storage.local;

import dev.cairn.storage.CheckpointHistory;
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
 * where a time range starts. Appends are fsynced.
 */
final class RocksCheckpointHistory implements CheckpointHistory {
  private final RocksDB db;
  private final ColumnFamilyHandle bySize;
  private final ColumnFamilyHandle byTime;
  private final WriteOptions syncWrites = new WriteOptions().setSync(true);

  RocksCheckpointHistory(RocksDB db, ColumnFamilyHandle bySize, ColumnFamilyHandle byTime) {
    this.db = db;
    this.bySize = bySize;
    this.byTime = byTime;
  }

  @Override
  public void append(Entry entry) throws IOException {
    appendAll(List.of(entry));
  }

  /** Appends the entries in one synced write batch. */
  @Override
  public synchronized void appendAll(List<Entry> entries) throws IOException {
    Optional<Entry> last = last();
    try (WriteBatch batch = new WriteBatch()) {
      for (Entry entry : entries) {
        if (last.isPresent() && entry.size() <= last.get().size()) {
          if (last.get().size() == entry.size()
              && Arrays.equals(last.get().note(), entry.note())) {
            continue;
          }
          throw new IllegalStateException("history already holds size " + last.get().size()
              + ", cannot append size " + entry.size());
        }
        long millis = entry.time().toEpochMilli();
        byte[] note = entry.note();
        byte[] value = ByteBuffer.allocate(8 + note.length).putLong(millis).put(note).array();
        batch.put(bySize, key(entry.size()), value);
        batch.put(byTime, ByteBuffer.allocate(16).putLong(millis).putLong(entry.size()).array(),
            new byte[0]);
        last = Optional.of(entry);
      }
      if (batch.count() > 0) {
        db.write(syncWrites, batch);
      }
    } catch (RocksDBException e) {
      throw new IOException("history append failed: " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<Entry> last() {
    try (RocksIterator it = db.newIterator(bySize)) {
      it.seekToLast();
      return it.isValid() ? Optional.of(decode(it.key(), it.value())) : Optional.empty();
    }
  }

  @Override
  public Optional<Entry> bySize(long size) throws IOException {
    try {
      byte[] v = db.get(bySize, key(size));
      return v == null ? Optional.empty() : Optional.of(decode(key(size), v));
    } catch (RocksDBException e) {
      throw new IOException("history read failed: " + e.getMessage(), e);
    }
  }

  @Override
  public List<Entry> list(long after, int limit, Instant from, Instant to) {
    long start = after == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(after + 1, 0);
    if (from.isAfter(Instant.EPOCH)) {
      try (RocksIterator it = db.newIterator(byTime)) {
        it.seek(ByteBuffer.allocate(16).putLong(from.toEpochMilli()).putLong(0).array());
        if (!it.isValid()) {
          return List.of();
        }
        start = Math.max(start, ByteBuffer.wrap(it.key()).getLong(8));
      }
    }
    List<Entry> out = new ArrayList<>();
    try (RocksIterator it = db.newIterator(bySize)) {
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
