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
 * watermark under a fixed key of the default column family, written in the same batch. Writes go
 * to RocksDB's write-ahead log without fsync, which survives a process crash; after a power loss
 * the log rebuilds what is missing from the watermark on.
 */
final class RocksDedupIndex implements DedupIndex {
  private static final byte[] WATERMARK = "dedup-watermark".getBytes(StandardCharsets.UTF_8);

  private final RocksDB db;
  private final ColumnFamilyHandle meta;
  private final ColumnFamilyHandle cf;
  private final WriteOptions writeOptions = new WriteOptions().setSync(false);

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
