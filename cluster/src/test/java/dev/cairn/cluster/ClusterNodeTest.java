package dev.cairn.cluster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.cluster.testing.TestPostgres;
import dev.cairn.log.LogConfig;
import dev.cairn.log.PushbackException;
import dev.cairn.log.publishing.Publisher;
import dev.cairn.log.sequencing.SequencerConfig;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.ObjectStoreReader;
import dev.cairn.log.storage.StorageException;
import dev.cairn.note.SignedNote;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster nodes in this process on a real PostgreSQL and s3proxy: every node commits and serves,
 * one integrates and publishes; what the nodes refuse and push back.
 */
class ClusterNodeTest {
  private static TestPostgres pg;
  private static TestS3 s3;
  private static final AtomicInteger LOGS = new AtomicInteger();
  @TempDir static Path tmp;

  private final List<AutoCloseable> open = new ArrayList<>();
  private String database;
  private String prefix;
  private Path keys;

  @BeforeAll
  static void start() throws Exception {
    pg = TestPostgres.start();
    s3 = TestS3.start(tmp.resolve("objects"));
  }

  @AfterAll
  static void stop() throws Exception {
    s3.close();
    pg.close();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
  }

  /** A new log: its own database, bucket prefix and keys. */
  private void newLog() throws Exception {
    int n = LOGS.incrementAndGet();
    try (Connection c = pg.connect(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE node_test_" + n);
    }
    database = "postgresql://127.0.0.1:" + pg.port() + "/node_test_" + n + "?user=cairn";
    prefix = "log" + n;
    keys = tmp.resolve("keys" + n);
  }

  private Database database() throws Exception {
    return Database.open(database, Optional.empty(), "test", Database.Timeouts.DEFAULT);
  }

  private ClusterNode node(String name, long maxUnpublished) throws Exception {
    LogConfig config = new LogConfig(keys, Optional.of("cairn.example/cluster-test"),
        new SequencerConfig(Duration.ofMillis(5), 4096, 65_536), Duration.ofMillis(100),
        Clock.systemUTC()).withNodeId(name).withMaxUnpublished(maxUnpublished);
    ClusterNode node = ClusterNode.start(config, database(),
        S3ObjectStore.open(s3.url(prefix), s3.credentials()), Duration.ofSeconds(2));
    open.add(node);
    return node;
  }

  private static long add(ClusterNode node, String entry) throws Exception {
    return node.submissions().add(entry.getBytes(UTF_8)).get(30, TimeUnit.SECONDS).index();
  }

  private static Publisher.Published await(ClusterNode node, long size) throws Exception {
    return node.checkpoints().awaitSize(size).get(30, TimeUnit.SECONDS);
  }

  @Test
  void everyNodeCommitsAndServesAndOneOfThemIntegratesAndPublishes() throws Exception {
    newLog();
    ClusterNode a = node("a", 1 << 20);
    ClusterNode b = node("b", 1 << 20);
    ClusterNode c = node("c", 1 << 20);
    assertThat(List.of(a.leading(), b.leading(), c.leading())).containsOnlyOnce(true);
    List<Long> indices = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      indices.add(add(List.of(a, b, c).get(i % 3), "entry " + i));
    }
    assertThat(indices).doesNotHaveDuplicates().allMatch(i -> i >= 0 && i < 30);
    assertThat(add(c, "entry 0")).as("a resubmission to another node").isEqualTo(indices.get(0));
    Publisher.Published onA = await(a, 30);
    for (ClusterNode n : List.of(b, c)) {
      assertThat(await(n, 30).checkpoint().size()).isGreaterThanOrEqualTo(30);
    }
    // The bucket is the static log: its checkpoint and tiles are what the nodes serve. Its
    // checkpoint object is written just after the swap in PostgreSQL that the nodes follow.
    S3ObjectStore bucket = s3.open(prefix);
    dev.cairn.log.testing.Poll.until("the bucket's checkpoint to reach size 30",
        Duration.ofSeconds(30), () -> {
          try {
            byte[] object = bucket.get(ObjectStore.CHECKPOINT).orElseThrow();
            return Checkpoint.parse(SignedNote.parse(object).text()).size() >= 30;
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
    assertThat(new ObjectStoreReader(bucket, "bucket").treeHash(30))
        .isEqualTo(b.tiles().treeHash(30));
    assertThat(onA.checkpoint().origin()).isEqualTo("cairn.example/cluster-test");
    // Each checkpoint names the node that published it.
    try (Connection conn = database().connection(); Statement s = conn.createStatement();
        ResultSet r = s.executeQuery("SELECT DISTINCT node FROM checkpoints")) {
      List<String> publishers = new ArrayList<>();
      while (r.next()) {
        publishers.add(r.getString(1));
      }
      assertThat(publishers).hasSize(1).containsAnyOf("a", "b", "c");
    }
  }

  @Test
  void aHolderKeepsItsLeaseThroughATakeoverLongerThanTheLease() throws Exception {
    newLog();
    node("first", 1 << 20).close(); // the log, its keys and first checkpoint
    open.removeLast();
    // A holder whose witnesses never answer integrates an entry but publishes nothing.
    ClusterNode stuck = node("stuck", config("stuck",
        e -> new java.util.concurrent.CompletableFuture<>(), Duration.ofMillis(500)));
    add(stuck, "integrated, not published");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (treeStateSize() < 1) {
      assertThat(System.nanoTime()).as("integrated within 30 s").isLessThan(deadline);
      Thread.sleep(10);
    }
    stuck.close();
    open.remove(stuck);
    // The next holder's first publication, part of taking over, waits 3 s for its witnesses:
    // longer than its lease of 2 s, which must be renewed meanwhile.
    dev.cairn.log.publishing.CheckpointEndorser slow = e -> java.util.concurrent.CompletableFuture
        .supplyAsync(e::signedNote, java.util.concurrent.CompletableFuture.delayedExecutor(
            3, TimeUnit.SECONDS));
    ClusterNode node = node("slow", config("slow", slow, Duration.ofSeconds(10)));
    assertThat(await(node, 1).checkpoint().size()).isEqualTo(1);
    long epoch = leaseEpoch();
    assertThat(node.leading()).isTrue();
    add(node, "after");
    assertThat(await(node, 2).checkpoint().size()).isEqualTo(2);
    assertThat(leaseEpoch()).as("the same lease throughout").isEqualTo(epoch);
    assertThat(node.health()).allSatisfy(h -> assertThat(h.fault()).isEmpty());
  }

  private LogConfig config(String name, dev.cairn.log.publishing.CheckpointEndorser endorser,
      Duration timeout) {
    return new LogConfig(keys, Optional.of("cairn.example/cluster-test"),
        new SequencerConfig(Duration.ofMillis(5), 4096, 65_536), Duration.ofMillis(100),
        Clock.systemUTC()).withNodeId(name).withEndorser(endorser, timeout);
  }

  private ClusterNode node(String name, LogConfig config) throws Exception {
    ClusterNode node = ClusterNode.start(config, database(),
        S3ObjectStore.open(s3.url(prefix), s3.credentials()), Duration.ofSeconds(2));
    open.add(node);
    return node;
  }

  private long treeStateSize() throws Exception {
    try (Database db = database(); Connection c = db.connection(); Statement s =
        c.createStatement(); ResultSet r = s.executeQuery("SELECT size FROM tree_state")) {
      r.next();
      return r.getLong(1);
    }
  }

  private long leaseEpoch() throws Exception {
    try (Database db = database(); Connection c = db.connection(); Statement s =
        c.createStatement(); ResultSet r = s.executeQuery("SELECT epoch FROM lease")) {
      r.next();
      return r.getLong(1);
    }
  }

  @Test
  void withNoNodeIntegratingWritersArePushedBackOnceTheBacklogPassesItsBound()
      throws Exception {
    newLog();
    ClusterNode first = node("first", 1 << 20);
    add(first, "published");
    await(first, 1);
    first.close();
    open.remove(first);
    // Someone else holds the lease and integrates nothing (a holder that hangs).
    Database db = database();
    open.add(db);
    PostgresCoordinator other = new PostgresCoordinator(db,
        new ObjectStoreReader(s3.open(prefix), "bucket"), "hung", Duration.ofSeconds(60));
    open.add(other.acquire("hung"));
    ClusterNode node = node("b", 5);
    assertThat(node.leading()).isFalse();
    for (int i = 0; i < 6; i++) {
      add(node, "waits " + i);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        add(node, "one more");
      } catch (PushbackException e) {
        assertThat(e.getMessage()).contains("wait to be integrated");
        break;
      }
      assertThat(System.nanoTime()).as("pushback within 30 s").isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  @Test
  void aNodeRefusesABucketAheadOfItsDatabaseNamingBoth() throws Exception {
    newLog();
    ClusterNode a = node("a", 1 << 20);
    add(a, "one");
    Publisher.Published older = await(a, 1);
    add(a, "two");
    add(a, "three");
    await(a, 3);
    a.close();
    open.remove(a);
    // The database restored from a backup taken at the older checkpoint.
    try (Connection c = database().connection(); PreparedStatement s = c.prepareStatement(
        "UPDATE latest_checkpoint SET size = ?, note = ?")) {
      s.setLong(1, older.checkpoint().size());
      s.setBytes(2, older.note());
      s.executeUpdate();
    }
    assertThatThrownBy(() -> node("b", 1 << 20)).isInstanceOf(StorageException.class)
        .hasMessageContaining("size 3").hasMessageContaining("size 1")
        .hasMessageContaining("refusing to start");
  }

  @Test
  void theBucketCheckpointNeverMovesBack() throws Exception {
    newLog();
    ClusterNode a = node("a", 1 << 20);
    add(a, "one");
    Publisher.Published one = await(a, 1);
    add(a, "two");
    Publisher.Published two = await(a, 2);
    S3ObjectStore bucket = s3.open(prefix);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    // The object follows the database's row: wait for it to show the newer checkpoint.
    while (Checkpoint.parse(SignedNote.parse(bucket.get(ObjectStore.CHECKPOINT).orElseThrow())
        .text()).size() < two.checkpoint().size()) {
      assertThat(System.nanoTime()).as("the bucket's checkpoint within 30 s")
          .isLessThan(deadline);
      Thread.sleep(10);
    }
    ObjectStore forward = new ForwardOnlyCheckpoint(bucket);
    forward.publishCheckpoint(one.note()); // a late write by a node that lost the lease
    byte[] now = bucket.get(ObjectStore.CHECKPOINT).orElseThrow();
    assertThat(Checkpoint.parse(SignedNote.parse(now).text()).size())
        .isGreaterThanOrEqualTo(two.checkpoint().size());
  }
}
