package dev.cairn.log.storage.embedded;

import dev.cairn.log.storage.CheckpointHistory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * The checkpoint history of a data directory, opened read-only as a RocksDB <em>secondary</em>
 * instance: safe beside a log that is serving from the same directory (it never writes there),
 * and seeing everything the log had written when it was opened. For backups and offline
 * verification.
 */
public final class RocksHistoryReader implements AutoCloseable {
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final RocksDB db;
  private final List<ColumnFamilyHandle> handles = new ArrayList<>();
  private final CheckpointHistory history;

  private RocksHistoryReader(Path dir, Path scratch) throws IOException {
    RocksDB.loadLibrary();
    if (!Files.isRegularFile(dir.resolve("CURRENT"))) {
      throw new IOException("no index in " + dir + " (its CURRENT file is missing)");
    }
    cfOptions = new ColumnFamilyOptions();
    // A secondary instance must keep every table file open.
    dbOptions = new DBOptions().setMaxOpenFiles(-1);
    List<ColumnFamilyDescriptor> cfs = new ArrayList<>();
    for (String name : new String[] {"default", RocksIndex.DEDUP, RocksIndex.HISTORY,
        RocksIndex.HISTORY_BY_TIME}) {
      cfs.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.UTF_8), cfOptions));
    }
    RocksDB opened = null;
    try {
      Files.createDirectories(scratch);
      opened = RocksDB.openAsSecondary(dbOptions, dir.toString(), scratch.toString(), cfs,
          handles);
    } catch (RocksDBException e) {
      close();
      throw new IOException("couldn't open the index " + dir + " for reading: "
          + e.getMessage(), e);
    }
    db = opened;
    history = new RocksCheckpointHistory(db, handles.get(2), handles.get(3));
  }

  /**
   * Opens the index in {@code dir}; RocksDB keeps its own small files for this reader in
   * {@code scratch}, which the caller deletes after {@link #close}.
   */
  public static RocksHistoryReader open(Path dir, Path scratch) throws IOException {
    return new RocksHistoryReader(dir, scratch);
  }

  /** The history, read-only: {@link CheckpointHistory#append} fails. */
  public CheckpointHistory history() {
    return history;
  }

  /** Reads every table file of the index and checks its block checksums. */
  public void verifyChecksums() throws IOException {
    try {
      db.verifyChecksum();
    } catch (RocksDBException e) {
      throw new IOException("the index fails its checksums: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    for (ColumnFamilyHandle h : handles) {
      h.close();
    }
    if (db != null) {
      db.close();
    }
    dbOptions.close();
    cfOptions.close();
  }
}
