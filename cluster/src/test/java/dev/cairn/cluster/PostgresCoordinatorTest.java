package dev.cairn.cluster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.cluster.testing.TestPostgres;
import dev.cairn.log.storage.Coordinator;
import dev.cairn.log.storage.CoordinatorContract;
import dev.cairn.log.storage.Lease;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.ObjectStoreReader;
import dev.cairn.log.storage.SequencedBatch;
import dev.cairn.log.storage.StorageException;
import dev.cairn.log.testing.MemoryObjectStore;
import dev.cairn.log.testing.TestTree;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The PostgreSQL coordinator on a real PostgreSQL server (fsync on), started by the test. */
class PostgresCoordinatorTest {
  private static TestPostgres pg;
  private static final AtomicInteger DATABASES = new AtomicInteger();

  @BeforeAll
  static void startPostgres() throws Exception {
    pg = TestPostgres.start();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    pg.close();
  }

  /** A new, empty database on the server: each test its own log. */
  static String freshDatabase() throws Exception {
    String name = "t" + DATABASES.incrementAndGet();
    try (Connection c = pg.connect(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    }
    return "postgresql://127.0.0.1:" + pg.port() + "/" + name + "?user=cairn";
  }

  static void expireLease(Database db) throws Exception {
    try (Connection c = db.connection(); Statement s = c.createStatement()) {
      s.execute("UPDATE lease SET expires_at = now() - interval '1 second'");
    }
  }

  @Nested
  class Contract extends CoordinatorContract {
    private Database db;
    private final MemoryObjectStore objects = new MemoryObjectStore();

    @BeforeEach
    void database() throws Exception {
      db = Database.open(freshDatabase(), Optional.empty(), "test", Database.Timeouts.DEFAULT);
    }

    @AfterEach
    void closeDatabase() {
      db.close();
    }

    @Override
    protected Coordinator open() {
      return new PostgresCoordinator(db, new ObjectStoreReader(objects, "objects"), "node",
          Duration.ofSeconds(30));
    }

    @Override
    protected ObjectStore objects() {
      return objects;
    }

    @Override
    protected void expire(Lease lease) {
      try {
        expireLease(db);
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
  }

  private static List<Lease.Submission> submissions(String... entries) {
    List<Lease.Submission> out = new ArrayList<>();
    for (String e : entries) {
      out.add(new Lease.Submission(e.getBytes(UTF_8), TestTree.leaf(e.getBytes(UTF_8))));
    }
    return out;
  }

  @Test
  void batchesEveryNodeCommitsAreAdoptedByTheHolderInIndexOrder() throws Exception {
    try (Database db = Database.open(freshDatabase(), Optional.empty(), "a",
        Database.Timeouts.DEFAULT)) {
      PostgresCoordinator a = new PostgresCoordinator(db,
          new ObjectStoreReader(new MemoryObjectStore(), "objects"), "a", Duration.ofSeconds(30));
      PostgresCoordinator b = new PostgresCoordinator(db,
          new ObjectStoreReader(new MemoryObjectStore(), "objects"), "b", Duration.ofSeconds(30));
      // Two nodes commit without a lease; the same entry on both gets one index.
      assertThat(a.commit(submissions("x", "y")).indices()).containsExactly(0, 1);
      Lease.Assignment fromB = b.commit(submissions("y", "z"));
      assertThat(fromB.indices()).containsExactly(1, 2);
      assertThat(fromB.duplicates()).containsExactly(true, false);
      assertThat(a.committed()).isEqualTo(3);
      assertThat(a.sequenced().size()).as("no holder built the tree yet").isZero();

      TestTree tree = new TestTree();
      Lease lease = a.acquire("a");
      List<String> adopted = new ArrayList<>();
      Lease.Assignment own = lease.assign(submissions("w"), (start, entries, hashes) -> {
        assertThat(start).isZero();
        entries.forEach(e -> adopted.add(new String(e, UTF_8)));
        return tree.append(entries);
      });
      assertThat(adopted).containsExactly("x", "y", "z", "w");
      assertThat(own.indices()).containsExactly(3);
      assertThat(lease.sequenced()).isEqualTo(tree.head());

      // Committed by another node while idle: an empty batch adopts it.
      b.commit(submissions("v"));
      Lease.Assignment probe = lease.assign(List.of(), (start, entries, hashes) -> {
        assertThat(start).isEqualTo(4);
        return tree.append(entries);
      });
      assertThat(probe.head().size()).isEqualTo(5);

      List<SequencedBatch> replayed = new ArrayList<>();
      lease.replay(0, replayed::add);
      assertThat(replayed).extracting(SequencedBatch::start).containsExactly(0L, 4L);
      assertThat(replayed.getFirst().head().size()).isEqualTo(4);
      assertThat(replayed.getLast().head()).isEqualTo(tree.head());
    }
  }

  @Test
  void anIntegrationWhoseReplyWasLostIsDoneWhenTheHolderTriesItAgain() throws Exception {
    try (Database db = Database.open(freshDatabase(), Optional.empty(), "a",
        Database.Timeouts.DEFAULT)) {
      MemoryObjectStore objects = new MemoryObjectStore();
      PostgresCoordinator a = new PostgresCoordinator(db,
          new ObjectStoreReader(objects, "objects"), "a", Duration.ofSeconds(30));
      TestTree tree = new TestTree();
      Lease lease = a.acquire("a");
      lease.assign(submissions("x", "y"), (start, entries, hashes) -> tree.append(entries));
      var objectsOfX = tree.takeObjects();
      dev.cairn.log.storage.TreeHead head = lease.integrate(0, from -> {
        objects.createAll(objectsOfX);
        return tree.head();
      });
      // The holder never heard back and tries the same integration from where it thought it
      // was: it is the one that landed.
      assertThat(lease.integrate(0, from -> head)).isEqualTo(head);
      // Another head from there is not.
      assertThatThrownBy(() -> lease.integrate(0, from -> new dev.cairn.log.storage.TreeHead(1,
          head.root()))).isInstanceOfSatisfying(StorageException.class,
              e -> assertThat(e.kind()).isEqualTo(StorageException.Kind.CONFLICT));
    }
  }

  @Test
  void aNodeRefusesASchemaNewerThanItKnowsNamingBothVersions() throws Exception {
    String url = freshDatabase();
    try (Database db = Database.open(url, Optional.empty(), "a", Database.Timeouts.DEFAULT)) {
      assertThat(db.schemaVersion()).isEqualTo(Database.SCHEMA_VERSION);
      try (Connection c = db.connection(); Statement s = c.createStatement()) {
        s.execute("INSERT INTO cairn_schema VALUES (" + (Database.SCHEMA_VERSION + 1) + ")");
      }
    }
    assertThatThrownBy(() -> Database.open(url, Optional.empty(), "a",
        Database.Timeouts.DEFAULT)).isInstanceOf(StorageException.class)
        .hasMessageContaining("version " + (Database.SCHEMA_VERSION + 1))
        .hasMessageContaining("(" + Database.SCHEMA_VERSION + ")");
  }

  @Test
  void anUnreachableDatabaseFailsFastWithAStorageError() {
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> Database.open("postgresql://127.0.0.1:1/cairn?user=cairn",
        Optional.empty(), "a", new Database.Timeouts(Duration.ofSeconds(1),
            Duration.ofSeconds(1), Duration.ofSeconds(1))))
        .isInstanceOf(StorageException.class).hasMessageContaining("couldn't connect");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
  }

  @Test
  void urlsWithoutADatabaseOrWithAPasswordAreRefusedNamingWhy() {
    assertThat(Database.jdbcUrl("postgresql://db.example:5433/cairn?user=c&sslmode=require"))
        .isEqualTo("jdbc:postgresql://db.example:5433/cairn?user=c&sslmode=require");
    assertThat(Database.jdbcUrl("postgresql://c@db.example/cairn"))
        .isEqualTo("jdbc:postgresql://db.example/cairn?user=c");
    assertThatThrownBy(() -> Database.jdbcUrl("postgresql://db.example"))
        .hasMessageContaining("no database");
    assertThatThrownBy(() -> Database.jdbcUrl("postgresql://c:secret@db.example/cairn"))
        .hasMessageContaining("PGPASSWORD").hasMessageNotContaining("secret");
    assertThatThrownBy(() -> Database.jdbcUrl("postgresql://db.example/cairn?password=secret"))
        .hasMessageContaining("PGPASSWORD").hasMessageNotContaining("secret");
    assertThatThrownBy(() -> Database.jdbcUrl("mysql://db.example/cairn"))
        .hasMessageContaining("postgresql://");
  }
}
