package dev.cairn.log.witnessing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.cluster.ClusterNode;
import dev.cairn.cluster.Database;
import dev.cairn.cluster.S3ObjectStore;
import dev.cairn.cluster.TestS3;
import dev.cairn.cluster.testing.TestPostgres;
import dev.cairn.log.LogConfig;
import dev.cairn.log.publishing.Publisher;
import dev.cairn.log.sequencing.SequencerConfig;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.VerifierKey;
import dev.cairn.policy.Policy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Witnessing in a cluster works as on one node: whichever node holds the lease sends each
 * checkpoint to the witnesses and publishes it with their cosignatures; after it goes, the next
 * holder goes on with the same witnesses.
 */
class ClusterWitnessingTest {
  @TempDir Path tmp;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
  }

  private <T extends AutoCloseable> T opened(T c) {
    open.add(c);
    return c;
  }

  @Test
  void theHolderPublishesEachCheckpointWithTheQuorumAndTheNextHolderGoesOn() throws Exception {
    TestPostgres pg = opened(TestPostgres.start());
    TestS3 s3 = opened(TestS3.start(tmp.resolve("objects")));
    Path keys = tmp.resolve("keys");
    LogConfig base = new LogConfig(keys, Optional.of("cairn.example/witnessed-cluster"),
        new SequencerConfig(Duration.ofMillis(5), 4096, 65_536), Duration.ofMillis(100),
        Clock.systemUTC());
    // A first node creates the log and its keys; the policy names them.
    List<VerifierKey> logKeys;
    try (ClusterNode first = start(pg, s3, base.withNodeId("first"))) {
      logKeys = first.keys().ring().signingOrder().stream().map(e -> e.key()).toList();
    }
    TestWitness w1 = opened(new TestWitness("w1.example", logKeys, SignatureType.COSIGNATURE_V1));
    TestWitness w2 = opened(new TestWitness("w2.example", logKeys, SignatureType.COSIGNATURE_V1));
    StringBuilder lines = new StringBuilder();
    logKeys.forEach(k -> lines.append("log ").append(k.encode()).append('\n'));
    Policy policy = Policy.parse(lines + w1.policyLines() + w2.policyLines()
        + "group both all w1.example w2.example\nquorum both\n");
    List<ClusterNode> nodes = new ArrayList<>();
    for (String name : List.of("a", "b")) {
      WitnessQuorum quorum = opened(WitnessQuorum.create(policy, Duration.ofSeconds(2), false,
          new FileCosignedSizes(java.nio.file.Files.createDirectories(tmp.resolve(name)))));
      nodes.add(opened(start(pg, s3, base.withNodeId(name)
          .withEndorser(quorum, quorum.endorseTimeout()))));
    }
    for (int i = 0; i < 20; i++) {
      nodes.get(i % 2).submissions().add(("entry " + i).getBytes(UTF_8))
          .get(30, TimeUnit.SECONDS);
    }
    Publisher.Published p = nodes.get(1).checkpoints().awaitSize(20).get(30, TimeUnit.SECONDS);
    assertCosignedByBoth(p.note(), w1, w2);

    // The holder goes; the other takes the lease and publishes with the same witnesses.
    ClusterNode holder = nodes.get(0).leading() ? nodes.get(0) : nodes.get(1);
    ClusterNode other = holder == nodes.get(0) ? nodes.get(1) : nodes.get(0);
    holder.close();
    other.submissions().add("after the holder went".getBytes(UTF_8)).get(30, TimeUnit.SECONDS);
    Publisher.Published q = other.checkpoints().awaitSize(21).get(60, TimeUnit.SECONDS);
    assertThat(other.leading()).isTrue();
    assertCosignedByBoth(q.note(), w1, w2);
    assertThat(w1.size()).isGreaterThanOrEqualTo(21);
    // Each size was published once, by one node.
    try (Connection c = pg.connect(); Statement s = c.createStatement();
        var r = s.executeQuery("SELECT count(*), count(DISTINCT size) FROM checkpoints")) {
      r.next();
      assertThat(r.getLong(1)).isEqualTo(r.getLong(2));
    }
  }

  private ClusterNode start(TestPostgres pg, TestS3 s3, LogConfig config) throws Exception {
    return ClusterNode.start(config, Database.open(pg.url(), Optional.empty(), config.nodeId(),
        Database.Timeouts.DEFAULT), S3ObjectStore.open(s3.url(""), s3.credentials()),
        Duration.ofSeconds(2));
  }

  private static void assertCosignedByBoth(byte[] note, TestWitness... witnesses) {
    String text = new String(note, UTF_8);
    for (TestWitness w : witnesses) {
      assertThat(text).as("cosigned by " + w.policyName(0)).contains("\u2014 " + w.policyName(0)
          + " ");
    }
    assertThat(SignedNote.parse(note).signatures()).hasSizeGreaterThanOrEqualTo(4);
  }
}
