package dev.cairn.log.storage.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * One embedded RocksDB holding the dedup index and the checkpoint history in separate column
 * families. Memory is bounded and off-heap: a shared 64 MiB block cache and 16 MiB write buffers.
 * After a failed write the database is reopened (see {@link RocksDatabase}).
 */
public final class RocksIndex implements AutoCloseable {
  static final String DEDUP = "dedup";
  static final String HISTORY = "history";
  static final String HISTORY_BY_TIME = "history-by-time";

  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final LRUCache cache;
  private final RocksDatabase db;
  private final RocksDedupIndex dedup;
  private final RocksCheckpointHistory history;

  private RocksIndex(Path dir) throws IOException {
    RocksDB.loadLibrary();
    cache = new LRUCache(64L << 20);
    BlockBasedTableConfig table = new BlockBasedTableConfig()
        .setBlockCache(cache)
        .setFilterPolicy(new BloomFilter(10));
    cfOptions = new ColumnFamilyOptions().setTableFormatConfig(table)
        .setWriteBufferSize(16L << 20)
        // Most dedup lookups are for new entries: a bloom filter over the memtable answers
        // "absent" without walking its skip list.
        .setMemtableWholeKeyFiltering(true)
        .setMemtablePrefixBloomSizeRatio(0.1);
    dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
        .setMaxBackgroundJobs(2).setKeepLogFileNum(5)
        // The dedup watermark (default family) and its mappings (dedup family) skip the WAL:
        // flushing families together keeps a flushed watermark from claiming unflushed mappings.
        .setAtomicFlush(true);
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
    dedup = new RocksDedupIndex(db, 0, 1);
    history = new RocksCheckpointHistory(db, 2, 3);
  }

  /** Opens (creating if needed) the index in {@code dir}. */
  public static RocksIndex open(Path dir) throws IOException {
    return new RocksIndex(dir);
  }

  /** The dedup index. */
  public DedupIndex dedup() {
    return dedup;
  }

  /** The checkpoint history. */
  public HistoryStore history() {
    return history;
  }

  @Override
  public void close() {
    if (db != null) {
      db.close(); // flushes what it can: the dedup index is rebuilt from the log on the next start
    }
    dbOptions.close();
    cfOptions.close();
    cache.close();
  }
}
