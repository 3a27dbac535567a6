package dev.cairn.log.storage.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.FlushOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RocksDB under a {@link RocksIndex}, reopened after a failed write.
 *
 * <p>After an I/O error in a write (a full disk, a read-only or failing file system) RocksDB
 * refuses every later write, even once the disk is fine again, until {@code DB::Resume} — which
 * RocksJava does not offer — or a reopen. So a failed write marks the database broken, and the
 * next write repairs it first: once a probe file in its directory can be written and synced, it
 * is flushed if it can be, closed and opened again. Until the probe passes, writes fail at once
 * and the old database stays open for reads; if the reopen itself fails, the database is opened
 * read-only for reads and the next write tries again.
 *
 * <p>A reopen replays RocksDB's own write-ahead log, so synced writes (the checkpoint history)
 * survive it.
 *
 * <p>Every use holds a read lock and a reopen the write lock: a database is never closed under a
 * reader.
 */
final class RocksDatabase implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RocksDatabase.class);

  /** Opens the database and fills in its column family handles, in order. */
  @FunctionalInterface
  interface Opener {
    RocksDB open(boolean readOnly, List<ColumnFamilyHandle> handles) throws RocksDBException;
  }

  /** What a caller does with the open database. */
  @FunctionalInterface
  interface Use<T> {
    T apply(RocksDB db, List<ColumnFamilyHandle> handles) throws RocksDBException;
  }

  private final Path dir;
  private final Opener opener;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private RocksDB db;
  private List<ColumnFamilyHandle> handles = new ArrayList<>();
  private boolean readOnly;
  private volatile boolean broken;

  private RocksDatabase(Path dir, Opener opener) {
    this.dir = dir;
    this.opener = opener;
  }

  /** Opens the database in {@code dir} read-write with {@code opener}. */
  static RocksDatabase open(Path dir, Opener opener) throws RocksDBException {
    RocksDatabase d = new RocksDatabase(dir, opener);
    d.db = opener.open(false, d.handles);
    return d;
  }

  /** A database that is never reopened: a failed write stays failed. */
  static RocksDatabase fixed(RocksDB db, List<ColumnFamilyHandle> handles) {
    RocksDatabase d = new RocksDatabase(null, null);
    d.db = db;
    d.handles = handles;
    return d;
  }

  /** Reads with the open database. */
  <T> T read(Use<T> use) throws RocksDBException, IOException {
    lock.readLock().lock();
    try {
      return use.apply(require(), handles);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Writes with the open database, repairing it first if an earlier write failed. */
  <T> T write(Use<T> use) throws RocksDBException, IOException {
    if (broken && opener != null) {
      repair();
    }
    lock.readLock().lock();
    try {
      if (readOnly) {
        throw new IOException("the index in " + dir + " is open read-only after a failed"
            + " reopen; writes resume once it reopens read-write");
      }
      return use.apply(require(), handles);
    } catch (RocksDBException e) {
      broken = true;
      throw e;
    } finally {
      lock.readLock().unlock();
    }
  }

  private RocksDB require() throws IOException {
    if (db == null) {
      throw new IOException("the index in " + dir + " is closed");
    }
    return db;
  }

  private void repair() throws IOException {
    lock.writeLock().lock();
    try {
      if (!broken || db == null) {
        return;
      }
      probe();
      if (!readOnly) {
        // Keep what the memtables hold, if the disk lets us.
        try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
          db.flush(flush, handles);
        } catch (RocksDBException e) {
          LOG.debug("couldn't flush the index before reopening it: {}", e.getMessage());
        }
      }
      closeDb();
      try {
        db = opener.open(false, handles);
        readOnly = false;
        broken = false;
        LOG.info("reopened the index in {} after a failed write", dir);
      } catch (RocksDBException e) {
        handles.clear();
        try {
          db = opener.open(true, handles);
          readOnly = true;
        } catch (RocksDBException again) {
          handles.clear();
          e.addSuppressed(again);
        }
        throw new IOException("couldn't reopen the index in " + dir + " after a failed write: "
            + e.getMessage(), e);
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Writes and syncs a small file beside the database, failing as the disk still fails. */
  private void probe() throws IOException {
    Path probe = dir.resolve("write-probe");
    IOException failure = null;
    try (FileChannel ch = FileChannel.open(probe, StandardOpenOption.CREATE,
        StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer b = ByteBuffer.allocate(4096);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    } catch (IOException e) {
      failure = e;
    }
    try {
      Files.deleteIfExists(probe);
    } catch (IOException e) {
      if (failure == null) {
        failure = e;
      } else {
        failure.addSuppressed(e);
      }
    }
    if (failure != null) {
      throw new IOException("the index in " + dir + " still cannot be written: "
          + failure.getMessage(), failure);
    }
  }

  private void closeDb() {
    for (ColumnFamilyHandle h : handles) {
      h.close();
    }
    handles.clear();
    if (db != null) {
      db.close();
      db = null;
    }
  }

  /** Flushes what it can and closes the database. */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (db != null && !readOnly) {
        try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
          db.flush(flush, handles);
        } catch (RocksDBException e) {
          // The history's writes are in RocksDB's own log, replayed on the next open.
        }
      }
      closeDb();
    } finally {
      lock.writeLock().unlock();
    }
  }
}
