package dev.cairn.interop;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.cairn.cluster.TestS3;
import dev.cairn.cluster.testing.TestPostgres;
import dev.cairn.merkle.Hasher;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault drills on a real cluster: three {@code cairn serve} processes on one real PostgreSQL
 * (fsync on) and s3proxy, each node reaching PostgreSQL through a proxy of its own and the
 * bucket through a shared one, so that the drill can cut, blackhole and break them. Writers
 * write to every node throughout; after each drill the checks of {@link RecoveryChecks} run
 * against the nodes (every acknowledged entry at its index, every served checkpoint in the
 * history and consistent with the latest, resubmissions answered with their index), and at the
 * end the Go auditor rebuilds the tree from the bucket, read directly, and from every node.
 *
 * <p>The drills: the integrating node killed with SIGKILL, then paused with SIGSTOP for twice
 * its lease; one entry sent to two nodes at once; a node cut from PostgreSQL; the reply to a
 * commit lost; object-store faults; PostgreSQL restarted under load. Loads are sized for CI;
 * {@code -Dcairn.cluster.seconds=N} (or {@code CAIRN_CLUSTER_SECONDS}) writes longer in each.
 */
class ClusterDrillTest {
  private static final Duration TTL = Duration.ofSeconds(2);
  private static final int NODES = 3;
  private static final Duration DEADLINE = Duration.ofSeconds(60);
  private static final Path BUILD =
      Path.of(System.getProperty("cairn.interop.buildDirectory", "target")).toAbsolutePath();

  private TestPostgres pg;
  private TestS3 s3;
  private TcpProxy objectsProxy;
  private final TcpProxy[] pgProxies = new TcpProxy[NODES];
  private final ServerProcess[] nodes = new ServerProcess[NODES];
  private final WriteLoad[] loads = new WriteLoad[NODES];
  private final Ledger ledger = new Ledger();
  private final Map<URI, LogClient> clients = new java.util.concurrent.ConcurrentHashMap<>();
  private final List<String> loadFailures = new ArrayList<>();
  private Path keys;
  private Path outputs;
  private int starts;
  private long loadMillis;

  @Test
  void aClusterLosesNothingAcknowledgedAndNeverForksUnderFaults(@TempDir Path tmp)
      throws Exception {
    loadMillis = 1000L * Long.parseLong(Optional.ofNullable(System.getProperty(
        "cairn.cluster.seconds")).or(() -> Optional.ofNullable(System.getenv(
        "CAIRN_CLUSTER_SECONDS"))).orElse("2"));
    keys = tmp.resolve("keys");
    outputs = BUILD.resolve("cluster-logs");
    deleteRecursively(outputs);
    pg = TestPostgres.start();
    s3 = TestS3.start(tmp.resolve("objects"));
    try {
      objectsProxy = new TcpProxy(s3.endpoint().getPort());
      for (int i = 0; i < NODES; i++) {
        pgProxies[i] = new TcpProxy(pg.port());
      }
      for (int i = 0; i < NODES; i++) {
        startNode(i);
      }
      RecoveryChecks checks = new RecoveryChecks(ledger, keys.resolve("log.vkey"),
          new Random(7));
      for (int i = 0; i < NODES; i++) {
        startLoad(i);
      }
      write();

      sameEntryOnTwoNodesGetsOneIndex();
      killTheIntegratingNode();
      settleAndCheck(checks, "after the integrating node was killed");
      pauseTheIntegratingNode();
      settleAndCheck(checks, "after the integrating node was paused");
      cutANodeFromPostgres();
      loseACommitReply();
      objectStoreFaults();
      restartPostgres();
      settleAndCheck(checks, "after the last drill");
      // The auditors read a still log: a partial tile a checkpoint named goes once its tile is
      // full, and the static bucket (unlike a node) has no other width to offer meanwhile.
      for (int i = 0; i < NODES; i++) {
        collect(i);
      }

      URI bucket = s3.startPublicReader();
      for (int i = 0; i < NODES; i++) {
        goAudit(nodes[i].base().toString(), true, tmp.resolve("previous-" + i));
        cairnVerify(nodes[i].base().toString());
      }
      goAudit(bucket.toString(), false, tmp.resolve("previous-bucket"));
      cairnVerify(bucket.toString());
    } catch (AssertionError | Exception e) {
      StringBuilder m = new StringBuilder(String.valueOf(e.getMessage())).append("\n");
      for (ServerProcess n : nodes) {
        if (n != null) {
          m.append(n.excerpt());
        }
      }
      throw new AssertionError(m.toString(), e);
    } finally {
      for (int i = 0; i < NODES; i++) {
        if (loads[i] != null) {
          loads[i].stop();
        }
        if (nodes[i] != null) {
          nodes[i].close();
        }
        if (pgProxies[i] != null) {
          pgProxies[i].close();
        }
      }
      if (objectsProxy != null) {
        objectsProxy.close();
      }
      s3.close();
      pg.close();
    }
  }

  // ---- the drills ----

  /** Drill 7: the same entry sent to two nodes at the same moment gets one index. */
  private void sameEntryOnTwoNodesGetsOneIndex() throws Exception {
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int round = 0; round < 20; round++) {
        byte[] entry = ("twice " + round).getBytes(UTF_8);
        var a = pool.submit(() -> client(0).add(entry));
        var b = pool.submit(() -> client(1).add(entry));
        assertThat(a.get()).as("the same entry on two nodes, round " + round).isEqualTo(b.get());
        ledger.acknowledge(a.get(), entry);
      }
    }
  }

  /**
   * Drill 1: SIGKILL the node holding the lease, under load. Another node takes over once the
   * lease expires and publishes; nothing acknowledged is lost (checked after).
   */
  private void killTheIntegratingNode() throws Exception {
    int leader = leader();
    loads[leader].serverKilled();
    nodes[leader].kill();
    long killed = System.nanoTime();
    long before = publishedSize();
    collect(leader);
    await("a checkpoint after the kill", () -> publishedSize() > before);
    Duration failover = Duration.ofNanos(System.nanoTime() - killed);
    System.out.println("ClusterDrillTest: kill -9 of the integrating node to a new checkpoint: "
        + failover.toMillis() + " ms (lease " + TTL.toMillis() + " ms)");
    assertThat(leader()).isNotEqualTo(leader);
    startNode(leader);
    startLoad(leader);
    write();
  }

  /**
   * Drill 2: SIGSTOP the lease holder for twice its lease, then SIGCONT: another node took
   * over; the paused one's changes fail on the epoch, and it steps down without a fork.
   */
  private void pauseTheIntegratingNode() throws Exception {
    int leader = leader();
    nodes[leader].signal("STOP");
    try {
      await("another node holding the lease", () -> leaderOrNone().filter(l -> l != leader)
          .isPresent());
      Thread.sleep(TTL.toMillis()); // the rest of twice the lease: the drill's point
    } finally {
      nodes[leader].signal("CONT");
    }
    await("the paused node stepping down", () -> nodes[leader].excerpt()
        .contains("stepping down"));
    write();
  }

  /**
   * Drill 3: one node's connections to PostgreSQL blackholed: it answers 503 and acknowledges
   * nothing; the others go on; it recovers without a restart.
   */
  private void cutANodeFromPostgres() throws Exception {
    int cut = (leader() + 1) % NODES;
    loads[cut].stop();
    collect(cut);
    pgProxies[cut].mode(TcpProxy.Mode.BLACKHOLE);
    byte[] entry = "while cut off".getBytes(UTF_8);
    try {
      long index = client(cut).add(entry);
      fail("a node cut from PostgreSQL acknowledged index " + index);
    } catch (LogClient.BadAnswer e) {
      assertThat(e.isPushback()).as(e.getMessage()).isTrue();
    }
    assertThat(indexInDatabase(entry)).as("nothing was committed").isEmpty();
    long other = client((cut + 1) % NODES).add("while another is cut off".getBytes(UTF_8));
    ledger.acknowledge(other, "while another is cut off".getBytes(UTF_8));
    pgProxies[cut].mode(TcpProxy.Mode.PASS);
    await("the cut node taking writes again", () -> {
      try {
        ledger.acknowledge(client(cut).add(entry), entry);
        return true;
      } catch (LogClient.BadAnswer e) {
        return false;
      }
    });
    startLoad(cut);
    write();
  }

  /**
   * Drill 4: the reply to a commit is lost (the commit landed): the client sees a failure, and
   * its retry gets the index the commit gave — no second index.
   */
  private void loseACommitReply() throws Exception {
    int node = (leader() + 2) % NODES;
    loads[node].stop();
    collect(node);
    byte[] entry = "its commit reply is lost".getBytes(UTF_8);
    // The statement that commits a node's batch, in its own transaction: its reply is the
    // only word that the commit landed.
    pgProxies[node].dropNextReplyTo("INSERT INTO batches");
    try {
      long index = client(node).add(entry);
      // The drop hit another transaction's commit: the entry's own commit was answered.
      ledger.acknowledge(index, entry);
    } catch (LogClient.BadAnswer e) {
      assertThat(e.isPushback()).as(e.getMessage()).isTrue();
    }
    assertThat(pgProxies[node].repliesDropped()).isEqualTo(1);
    Optional<Long> landed = indexInDatabase(entry);
    assertThat(landed).as("the commit whose reply was lost landed").isPresent();
    long retried = awaitAdd(node, entry);
    assertThat(retried).isEqualTo(landed.get());
    ledger.acknowledge(retried, entry);
    startLoad(node);
    write();
  }

  /**
   * Drill 5: a fifth of the object store's connections answered 503, the rest delayed and cut
   * short: integration lags (and writers may be pushed back), nothing is corrupted, and it
   * catches up once the faults stop, without a restart.
   */
  private void objectStoreFaults() throws Exception {
    objectsProxy.mode(TcpProxy.Mode.HTTP_FAULTS);
    write();
    // A fifth of new connections fail: however few the holder opened meanwhile, some must have.
    await("object-store faults injected", () -> objectsProxy.faultsInjected() >= 3);
    objectsProxy.mode(TcpProxy.Mode.PASS);
    long acknowledged = ledger.lastAcknowledged();
    await("a checkpoint covering index " + acknowledged + " after the faults",
        () -> LiveLog.size(client(0).checkpoint()) > acknowledged);
  }

  /**
   * Drill 6: PostgreSQL restarted under load: writes fail fast with 503, then go on; the
   * history stays one line (checked after).
   */
  private void restartPostgres() throws Exception {
    pg.stopServer();
    try {
      long t0 = System.nanoTime();
      try {
        long index = client(0).add("while the database is down".getBytes(UTF_8));
        fail("acknowledged index " + index + " with the database down");
      } catch (LogClient.BadAnswer e) {
        assertThat(e.isPushback()).as(e.getMessage()).isTrue();
      }
      System.out.println("ClusterDrillTest: a write with PostgreSQL down was refused in "
          + Duration.ofNanos(System.nanoTime() - t0).toMillis() + " ms");
    } finally {
      pg.startServer();
    }
    byte[] entry = "after the database restarted".getBytes(UTF_8);
    ledger.acknowledge(awaitAdd(0, entry), entry);
    write();
  }

  // ---- the cluster ----

  private void startNode(int i) throws Exception {
    List<String> options = List.of("--origin", "cairn.example/cluster",
        "--node-id", "node" + (i + 1),
        "--sequencing-interval", "10ms", "--checkpoint-interval", "200ms",
        "--lease-ttl", TTL.toSeconds() + "s",
        // Unprepared statements, so that the proxy sees each commit's text (drill 4).
        "--postgres", TestPostgres.url(pgProxies[i].port()) + "&prepareThreshold=0",
        "--objects", "s3://" + TestS3.BUCKET + "?endpoint=http://127.0.0.1:"
            + objectsProxy.port() + "&region=" + TestS3.REGION + "&path_style=true");
    Map<String, String> env = new HashMap<>();
    env.put("AWS_ACCESS_KEY_ID", s3.accessKeyId());
    env.put("AWS_SECRET_ACCESS_KEY", s3.secretAccessKey());
    nodes[i] = ServerProcess.start(keys, outputs.resolve(String.format("%02d-node%d.log",
        ++starts, i + 1)), options, env);
  }

  private void startLoad(int i) {
    loads[i] = new WriteLoad(client(i), ledger, "node" + (i + 1) + "-" + starts, starts * 10L + i,
        2).start();
  }

  /** Stops node {@code i}'s writers and keeps what they saw. */
  private void collect(int i) throws InterruptedException {
    loads[i].stop();
    loadFailures.addAll(loads[i].awaitStopped());
    assertThat(loadFailures).as("writers' failures").isEmpty();
  }

  private void write() throws InterruptedException {
    Thread.sleep(loadMillis); // the load runs meanwhile: how long is the drill's setting
  }

  /** Stops every load, waits for a checkpoint covering all of it, checks every node. */
  private void settleAndCheck(RecoveryChecks checks, String when) throws Exception {
    for (int i = 0; i < NODES; i++) {
      collect(i);
    }
    long last = ledger.lastAcknowledged();
    for (int i = 0; i < NODES; i++) {
      int n = i;
      await("node" + (i + 1) + " serving a checkpoint covering index " + last + " " + when,
          () -> LiveLog.size(client(n).checkpoint()) > last);
      checks.check(client(i));
    }
    List<List<LogClient.HistoryEntry>> histories = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      histories.add(client(i).history(1_000));
    }
    assertThat(histories).allSatisfy(h -> assertThat(h).extracting(LogClient.HistoryEntry::size)
        .isEqualTo(histories.get(0).stream().map(LogClient.HistoryEntry::size).toList()));
    for (int i = 0; i < NODES; i++) {
      startLoad(i);
    }
  }

  private LogClient client(int i) {
    return clients.computeIfAbsent(nodes[i].base(), LogClient::new);
  }

  /** The size of the latest checkpoint in the database. */
  private long publishedSize() throws Exception {
    try (Connection c = pg.connect(); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT size FROM latest_checkpoint")) {
      return r.next() ? r.getLong(1) : 0;
    }
  }

  /** The node holding the lease now. */
  private int leader() throws Exception {
    return leaderOrNone().orElseThrow(() -> new AssertionError("no node holds the lease"));
  }

  private Optional<Integer> leaderOrNone() throws Exception {
    try (Connection c = pg.connect(); Statement s = c.createStatement();
        ResultSet r = s.executeQuery(
            "SELECT holder FROM lease WHERE expires_at > now()")) {
      if (!r.next()) {
        return Optional.empty();
      }
      return Optional.of(Integer.parseInt(r.getString(1).substring("node".length())) - 1);
    }
  }

  /** The index the database committed {@code entry} at, if it did. */
  private Optional<Long> indexInDatabase(byte[] entry) throws Exception {
    try (Connection c = pg.connect(); PreparedStatement s = c.prepareStatement(
        "SELECT idx FROM dedup WHERE leaf_hash = ?")) {
      s.setBytes(1, new Hasher().leaf(entry).toByteArray());
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? Optional.of(r.getLong(1)) : Optional.empty();
      }
    }
  }

  /** Adds {@code entry} through node {@code i}, retrying pushback until the deadline. */
  private long awaitAdd(int i, byte[] entry) throws Exception {
    long[] index = {-1};
    await("node" + (i + 1) + " acknowledging an entry", () -> {
      try {
        index[0] = client(i).add(entry);
        return true;
      } catch (LogClient.BadAnswer e) {
        if (!e.isPushback()) {
          throw e;
        }
        return false;
      }
    });
    return index[0];
  }

  @FunctionalInterface
  private interface Condition {
    boolean holds() throws Exception;
  }

  private static void await(String what, Condition condition) throws Exception {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (true) {
      try {
        if (condition.holds()) {
          return;
        }
      } catch (IOException e) {
        // a node restarting, a connection cut: try again
      }
      if (System.nanoTime() > deadline) {
        fail("no " + what + " within " + DEADLINE.toSeconds() + " s");
      }
      Thread.sleep(50);
    }
  }

  /** The Go auditor: the tree from the tiles, every served and listed checkpoint consistent. */
  private void goAudit(String url, boolean api, Path previous) throws Exception {
    Files.createDirectories(previous);
    int n = 0;
    for (byte[] note : ledger.servedNotes()) {
      Files.write(previous.resolve(String.format("served-%06d", n++)), note);
    }
    String vkey = Files.readAllLines(keys.resolve("log.vkey"), UTF_8).get(0);
    List<String> args = new ArrayList<>(List.of("-vkey", vkey, "-previous",
        previous.toString()));
    if (api) {
      args.add("-api");
    }
    args.add(url);
    GoTool.Result r = GoTool.run(GoTool.program("auditor"), args.toArray(String[]::new));
    assertThat(r.exitCode()).as(r::describe).isZero();
    assertThat(r.stdout()).as(r::describe).contains("tree hash ok\n", "tiles ok\n",
        "previous " + n + " consistent ok\n");
    System.out.println("ClusterDrillTest: Go auditor on " + url + ": "
        + r.stdout().lines().toList());
  }

  /** {@code cairn verify --url --full}: every entry replayed, every tile compared. */
  private void cairnVerify(String url) {
    CairnCli.Result r = CairnCli.run("verify", "--url", url, "--vkey",
        keys.resolve("log.vkey").toString(), "--full");
    assertThat(r.code()).as(r::describe).isZero();
    System.out.println("ClusterDrillTest: cairn verify --url " + url + ": "
        + r.out().lines().reduce((a, b) -> b).orElse(""));
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
