package dev.cairn.log.storage.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * One embedded RocksDB holding the checkpoint history in two column families. (The dedup index
 * was a third until it became a {@link HashDedupIndex}; what an older version left in it is
 * deleted once, on open.) Memory is bounded and off-heap: a shared 64 MiB block cache and
 * 16 MiB write buffers.
 * After a failed write the database is reopened (see {@link RocksDatabase}).
 */
public final class RocksIndex implements AutoCloseable {
  /** The family the dedup index had; kept, empty, because RocksDB opens every family. */
  static final String DEDUP = "dedup";
  private static final byte[] DEDUP_WATERMARK =
      "dedup-watermark".getBytes(StandardCharsets.UTF_8);
  static final String HISTORY = "history";
  static final String HISTORY_BY_TIME = "history-by-time";

  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final LRUCache cache;
  private final RocksDatabase db;
  private final RocksCheckpointHistory history;

  private RocksIndex(Path dir) throws IOException {
    RocksDB.loadLibrary();
    cache = new LRUCache(64L << 20);
    BlockBasedTableConfig table = new BlockBasedTableConfig()
        .setBlockCache(cache)
        .setFilterPolicy(new BloomFilter(10));
    cfOptions = new ColumnFamilyOptions().setTableFormatConfig(table)
        .setWriteBufferSize(16L << 20);
    dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
        .setMaxBackgroundJobs(2).setKeepLogFileNum(5);
    List<ColumnFamilyDescriptor> cfs = new ArrayList<>();
    for (String name : new String[] {"default", DEDUP, HISTORY, HISTORY_BY_TIME}) {
      cfs.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.UTF_8), cfOptions));
    }
    RocksDatabase opened = null;
    try {
      Files.createDirectories(dir);
      opened = RocksDatabase.open(dir, (readOnly, handles) -> readOnly
          ? RocksDB.openReadOnly(dbOptions, dir.toString(), cfs, handles)
          : RocksDB.open(dbOptions, dir.toString(), cfs, handles));
    } catch (RocksDBException e) {
      db = null;
      close();
      throw new IOException("couldn't open index " + dir + ": " + e.getMessage(), e);
    }
    db = opened;
    history = new RocksCheckpointHistory(db, 2, 3);
    try {
      dropOldDedup();
    } catch (RocksDBException e) {
      close();
      throw new IOException("couldn't drop the old dedup index in " + dir + ": "
          + e.getMessage(), e);
    }
  }

  /** Deletes the dedup index an older version kept here, if any, and frees its space. */
  private void dropOldDedup() throws RocksDBException, IOException {
    db.write((rocks, handles) -> {
      if (rocks.get(handles.get(0), DEDUP_WATERMARK) == null) {
        return null;
      }
      byte[] last = new byte[33];
      Arrays.fill(last, (byte) 0xFF);
      rocks.deleteRange(handles.get(1), new byte[0], last);
      rocks.delete(handles.get(0), DEDUP_WATERMARK);
      rocks.compactRange(handles.get(1));
      return null;
    });
  }

  /** Opens (creating if needed) the index in {@code dir}. */
  public static RocksIndex open(Path dir) throws IOException {
    return new RocksIndex(dir);
  }

  /** The checkpoint history. */
  public HistoryStore history() {
    return history;
  }

  @Override
  public void close() {
    if (db != null) {
      db.close();
    }
    dbOptions.close();
    cfOptions.close();
    cache.close();
  }
}
