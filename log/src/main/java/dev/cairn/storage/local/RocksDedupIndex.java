package dev.cairn.storage.local;

import dev.cairn.merkle.Hash;
import dev.cairn.storage.DedupIndex;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The dedup index in RocksDB: key = 32-byte leaf hash, value = 8-byte big-endian index; the
 * watermark under a fixed key of the default column family, written in the same batch. Writes
 * skip RocksDB's write-ahead log: what a crash loses (the memtable, at most 16 MiB) is rebuilt
 * from the log's bundles from the last flushed watermark on. Closing flushes.
 */
final class RocksDedupIndex implements DedupIndex {
  private static final byte[] WATERMARK = "dedup-watermark".getBytes(StandardCharsets.UTF_8);

  private final RocksDB db;
  private final ColumnFamilyHandle meta;
  private final ColumnFamilyHandle cf;
  /**
   * Without RocksDB's own write-ahead log: the sequence log and bundles already make every entry
   * durable, so a memtable lost in a crash (with its watermark, written in the same batch) is
   * rebuilt from them; RocksDB's log would only double the writes on the sequencer's path.
   */
  private final WriteOptions writeOptions = new WriteOptions().setDisableWAL(true);

  RocksDedupIndex(RocksDB db, ColumnFamilyHandle meta, ColumnFamilyHandle cf) {
    this.db = db;
    this.meta = meta;
    this.cf = cf;
  }

  @Override
  public Map<Hash, Long> lookup(Collection<Hash> leafHashes) throws IOException {
    if (leafHashes.isEmpty()) {
      return Map.of();
    }
    List<Hash> hashes = new ArrayList<>(leafHashes);
    List<byte[]> keys = new ArrayList<>(hashes.size());
    for (Hash h : hashes) {
      keys.add(h.toByteArray());
    }
    List<byte[]> values;
    try {
      values = db.multiGetAsList(Collections.nCopies(keys.size(), cf), keys);
    } catch (RocksDBException e) {
      throw new IOException("dedup lookup failed: " + e.getMessage(), e);
    }
    Map<Hash, Long> found = new HashMap<>();
    for (int i = 0; i < values.size(); i++) {
      if (values.get(i) != null) {
        found.put(hashes.get(i), ByteBuffer.wrap(values.get(i)).getLong());
      }
    }
    return found;
  }

  @Override
  public synchronized void add(List<Mapping> mappings, long watermark) throws IOException {
    for (Mapping m : mappings) {
      if (m.index() >= watermark) {
        throw new IllegalArgumentException(
            "index " + m.index() + " is not below the watermark " + watermark);
      }
    }
    try (WriteBatch batch = new WriteBatch()) {
      for (Mapping m : mappings) {
        batch.put(cf, m.leafHash().toByteArray(),
            ByteBuffer.allocate(8).putLong(m.index()).array());
      }
      if (watermark > watermark()) {
        batch.put(meta, WATERMARK, ByteBuffer.allocate(8).putLong(watermark).array());
      }
      db.write(writeOptions, batch);
    } catch (RocksDBException e) {
      throw new IOException("dedup write failed: " + e.getMessage(), e);
    }
  }

  @Override
  public long watermark() throws IOException {
    try {
      byte[] v = db.get(meta, WATERMARK);
      return v == null ? 0 : ByteBuffer.wrap(v).getLong();
    } catch (RocksDBException e) {
      throw new IOException("dedup read failed: " + e.getMessage(), e);
    }
  }
}
