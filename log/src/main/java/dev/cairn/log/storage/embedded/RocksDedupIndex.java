package dev.cairn.log.storage.embedded;

import dev.cairn.merkle.Hash;
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
 * skip RocksDB's write-ahead log: what a crash loses (the memtable, at most 16 MiB) is applied
 * again from the sequence log and the bundles. Closing flushes.
 *
 * <p>A reopen after a failed write (see {@link RocksDatabase}) can lose the memtable too, and
 * with it a tail of mappings and the watermark that covered them. The writer must then rebuild
 * from the lower watermark, not go on from the one it read before: so the first {@link #add} or
 * {@link #watermark} after a reopen fails, once, saying so. Lookups do not fail (they also serve
 * proofs by hash); the writer checks the watermark after its lookups.
 */
final class RocksDedupIndex implements DedupIndex {
  private static final byte[] WATERMARK = "dedup-watermark".getBytes(StandardCharsets.UTF_8);

  private final RocksDatabase db;
  private final int meta;
  private final int cf;
  /** The database's epoch the writer last saw. */
  private long writerEpoch;
  /**
   * Without RocksDB's own write-ahead log: the sequence log and bundles already make every entry
   * durable, so a memtable lost in a crash (with its watermark, written in the same batch) is
   * rebuilt from them; RocksDB's log would only double the writes on the sequencer's path.
   */
  private final WriteOptions writeOptions = new WriteOptions().setDisableWAL(true);

  /** An index in column family {@code cf} of {@code db}, its watermark in family {@code meta}. */
  RocksDedupIndex(RocksDatabase db, int meta, int cf) {
    this.db = db;
    this.meta = meta;
    this.cf = cf;
    this.writerEpoch = db.epoch();
  }

  /** An index over an open database that is never reopened. */
  RocksDedupIndex(RocksDB db, ColumnFamilyHandle meta, ColumnFamilyHandle cf) {
    this(RocksDatabase.fixed(db, List.of(meta, cf)), 0, 1);
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
      values = db.read((rocks, handles) ->
          rocks.multiGetAsList(Collections.nCopies(keys.size(), handles.get(cf)), keys));
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
    try {
      db.write((rocks, handles) -> {
        checkEpoch();
        try (WriteBatch batch = new WriteBatch()) {
          for (Mapping m : mappings) {
            batch.put(handles.get(cf), m.leafHash().toByteArray(),
                ByteBuffer.allocate(8).putLong(m.index()).array());
          }
          if (watermark > read(rocks, handles)) {
            batch.put(handles.get(meta), WATERMARK,
                ByteBuffer.allocate(8).putLong(watermark).array());
          }
          rocks.write(writeOptions, batch);
        }
        return null;
      });
    } catch (RocksDBException | ReopenedException e) {
      throw new IOException("dedup write failed: " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized long watermark() throws IOException {
    try {
      return db.read((rocks, handles) -> {
        checkEpoch();
        return read(rocks, handles);
      });
    } catch (RocksDBException | ReopenedException e) {
      throw new IOException("dedup read failed: " + e.getMessage(), e);
    }
  }

  private long read(RocksDB rocks, List<ColumnFamilyHandle> handles) throws RocksDBException {
    byte[] v = rocks.get(handles.get(meta), WATERMARK);
    return v == null ? 0 : ByteBuffer.wrap(v).getLong();
  }

  /** Called under the database's lock, so no reopen can come between the check and the use. */
  private void checkEpoch() {
    long now = db.epoch();
    if (now != writerEpoch) {
      writerEpoch = now;
      throw new ReopenedException();
    }
  }

  /** The database was reopened since the writer last used it. */
  private static final class ReopenedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ReopenedException() {
      super("the index was reopened after a failed write and may have lost its unflushed"
          + " mappings; rebuild from its watermark");
    }
  }
}
