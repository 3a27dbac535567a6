package dev.cairn.cluster;

import dev.cairn.log.backup.Restore;
import dev.cairn.log.backup.StorageRestore;
import dev.cairn.log.replay.Progress;
import dev.cairn.log.replay.StorageSource;
import dev.cairn.log.storage.ObjectStoreReader;
import dev.cairn.log.storage.StorageException;
import dev.cairn.merkle.Hasher;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A cluster's storage — its PostgreSQL database and its bucket — opened together: by a node, and
 * by the commands that read or write a log offline ({@code cairn backup}, {@code verify} and
 * {@code restore} with {@code --postgres} and {@code --objects}), which also need to know what
 * the two hold and to empty them for a forced restore.
 */
public final class ClusterStorage implements AutoCloseable {
  /** The lease holder while a restore runs, and after one was interrupted. */
  public static final String RESTORE_HOLDER = "cairn restore";
  /**
   * The restore's lease lives this long unless released: an interrupted restore keeps every
   * node from integrating or publishing the half-restored log (see {@link StorageRestore}).
   */
  private static final Duration RESTORE_LEASE = Duration.ofDays(3650);
  /** A reader's coordinator takes no lease; this only fills the constructor's slot. */
  private static final Duration NO_LEASE = Duration.ofSeconds(30);

  private final String postgres;
  private final Database db;
  private final S3ObjectStore objects;

  private ClusterStorage(String postgres, Database db, S3ObjectStore objects) {
    this.postgres = postgres;
    this.db = db;
    this.objects = objects;
  }

  /**
   * Connects to the database at {@code postgres} (migrating its schema) and the bucket at
   * {@code objects}, with credentials from the AWS default chain.
   *
   * @param node this process's name in the database's connections and records
   * @throws IllegalArgumentException if a URL is not valid, naming the fault
   * @throws IOException if the database cannot be reached or its schema is newer than this build
   */
  public static ClusterStorage open(String postgres, String objects, Optional<String> password,
      String node) throws IOException {
    S3ObjectStore store = S3ObjectStore.open(objects);
    try {
      return new ClusterStorage(postgres,
          Database.open(postgres, password, node, Database.Timeouts.DEFAULT), store);
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** The database. */
  public Database database() {
    return db;
  }

  /** The bucket. */
  public S3ObjectStore objects() {
    return objects;
  }

  /** The two, for reports: {@code cluster <postgres URL> + <bucket URL>}. */
  public String describe() {
    return "cluster " + postgres + " + " + objects.location();
  }

  /**
   * The log the two hold, read as of now (see {@link StorageSource}); the keys, which neither
   * holds, from {@code keys}, a node's data directory.
   */
  public StorageSource source(Path keys) throws IOException {
    return StorageSource.open(coordinator("reader", NO_LEASE), objects, describe(), keys);
  }

  private PostgresCoordinator coordinator(String node, Duration ttl) {
    return new PostgresCoordinator(db, new ObjectStoreReader(objects, "the bucket"), node, ttl);
  }

  /**
   * What the database and the bucket hold of a log, one phrase per finding; empty if nothing.
   */
  public List<String> contents() throws IOException {
    List<String> found = new ArrayList<>();
    try (Connection c = db.connection(); Statement s = c.createStatement()) {
      try (ResultSet r = s.executeQuery("SELECT holder FROM lease WHERE expires_at > clock_timestamp()")) {
        if (r.next()) {
          found.add(r.getString(1).equals(RESTORE_HOLDER) ? "an unfinished restore (it holds"
              + " the lease)" : "a live lease, held by " + r.getString(1));
        }
      }
      try (ResultSet r = s.executeQuery("SELECT next_index FROM sequencing")) {
        if (r.next() && r.getLong(1) > 0) {
          found.add(r.getLong(1) + " committed entries in the database");
        }
      }
      try (ResultSet r = s.executeQuery("SELECT size FROM latest_checkpoint")) {
        if (r.next()) {
          found.add("a checkpoint of size " + r.getLong(1) + " in the database");
        }
      }
    } catch (SQLException e) {
      throw Database.failure("couldn't read what the database holds", e);
    }
    List<String> keys = objects.list(3);
    if (!keys.isEmpty()) {
      found.add("objects in the bucket (" + String.join(", ", keys)
          + (keys.size() == 3 ? ", …" : "") + ")");
    }
    return found;
  }

  /**
   * Restores the backup in {@code backup} into the database and the bucket ({@link
   * StorageRestore}), which must hold nothing unless {@code force}: then they are emptied first.
   * Every node of the cluster must be stopped.
   *
   * @throws IOException naming what they hold, if they are not empty and not {@code force}; if
   *     a node holds the lease; or as {@link StorageRestore#run}
   */
  public Restore.Result restore(Path backup, boolean force, Progress progress)
      throws IOException {
    List<String> found = contents();
    if (!found.isEmpty()) {
      if (!force) {
        throw new IOException(describe() + " is not empty: it holds " + String.join("; ", found)
            + ". Restore into an empty database and bucket, or pass --force to replace them");
      }
      clear();
    }
    return StorageRestore.run(backup, coordinator(RESTORE_HOLDER, RESTORE_LEASE), objects,
        RESTORE_HOLDER, progress);
  }

  /**
   * Empties the database's log (its schema stays, and lease epochs keep growing) and then the
   * bucket: a node started on the bucket alone refuses it, as the database lacks its checkpoint.
   */
  private void clear() throws IOException {
    try (Connection c = db.connection()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        try (ResultSet r = s.executeQuery("SELECT holder FROM lease WHERE id = 1"
            + " AND expires_at > clock_timestamp() FOR UPDATE")) {
          if (r.next() && !r.getString(1).equals(RESTORE_HOLDER)) {
            throw new StorageException(StorageException.Kind.FENCED, r.getString(1)
                + " holds the lease: stop every node of the cluster before restoring into it");
          }
        }
        s.execute("UPDATE lease SET expires_at = clock_timestamp() - interval '1 microsecond'");
        s.execute("TRUNCATE batches, dedup, checkpoints, latest_checkpoint");
      }
      byte[] empty = Hasher.emptyRoot().toByteArray();
      try (PreparedStatement s = c.prepareStatement("UPDATE sequencing SET next_index = 0")) {
        s.executeUpdate();
      }
      try (PreparedStatement s = c.prepareStatement(
          "UPDATE sequenced_head SET size = 0, root = ?")) {
        s.setBytes(1, empty);
        s.executeUpdate();
      }
      try (PreparedStatement s = c.prepareStatement(
          "UPDATE tree_state SET size = 0, root = ?")) {
        s.setBytes(1, empty);
        s.executeUpdate();
      }
      c.commit();
    } catch (SQLException e) {
      throw Database.failure("couldn't empty the database", e);
    }
    objects.deleteAll();
  }

  @Override
  public void close() {
    objects.close();
    db.close();
  }
}
