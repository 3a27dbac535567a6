package dev.cairn.cli;

import static dev.cairn.cli.KeyCommandsTest.cairn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.cluster.ClusterNode;
import dev.cairn.cluster.Database;
import dev.cairn.cluster.S3ObjectStore;
import dev.cairn.cluster.TestS3;
import dev.cairn.cluster.testing.TestPostgres;
import dev.cairn.log.LogConfig;
import dev.cairn.log.sequencing.SequencerConfig;
import dev.cairn.log.storage.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsCredentials;

/**
 * {@code cairn backup}, {@code verify} and {@code restore} with {@code --postgres} and {@code
 * --objects}, through the real command line, on a log written by a cluster node on a real
 * PostgreSQL and an in-process S3 service.
 */
class BackupClusterTest {
  private static final String ORIGIN = "example.com/cluster-backup";
  private static final int ENTRIES = 600;

  @TempDir static Path dir;
  private static TestPostgres pg;
  private static TestS3 s3;
  private static Path keys;

  @BeforeAll
  static void aClusterLogWithSomeCheckpoints() throws Exception {
    pg = TestPostgres.start();
    s3 = TestS3.start(Files.createDirectories(dir.resolve("s3")));
    // The command line's S3 client takes its credentials from the AWS default chain.
    AwsCredentials c = s3.credentials().resolveCredentials();
    System.setProperty("aws.accessKeyId", c.accessKeyId());
    System.setProperty("aws.secretAccessKey", c.secretAccessKey());
    keys = dir.resolve("node-keys");
    try (ClusterNode node = startNode(freshDatabase("source"), "source")) {
      for (int batch = 0; batch < ENTRIES / 150; batch++) {
        List<byte[]> entries = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
          entries.add(("entry " + (batch * 150 + i)).getBytes(StandardCharsets.UTF_8));
        }
        node.submissions().addAll(entries);
        node.checkpoints().awaitSize((batch + 1) * 150L).get(60, TimeUnit.SECONDS);
      }
    }
  }

  @AfterAll
  static void stop() throws Exception {
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
    if (s3 != null) {
      s3.close();
    }
    if (pg != null) {
      pg.close();
    }
  }

  /** A new database on the server, named {@code name}; its URL. */
  private static String freshDatabase(String name) throws Exception {
    try (Connection c = pg.connect(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    }
    return "postgresql://127.0.0.1:" + pg.port() + "/" + name + "?user=cairn";
  }

  private static ClusterNode startNode(String postgres, String prefix) throws Exception {
    LogConfig config = new LogConfig(keys, Optional.of(ORIGIN), SequencerConfig.DEFAULT,
        Duration.ofMillis(50), Clock.systemUTC()).withNodeId("node-" + prefix);
    Database db = Database.open(postgres, Optional.empty(), "node-" + prefix,
        Database.Timeouts.DEFAULT);
    return ClusterNode.start(config, db, S3ObjectStore.open(s3.url(prefix), s3.credentials()),
        Duration.ofSeconds(5));
  }

  private static String source() {
    return "postgresql://127.0.0.1:" + pg.port() + "/source?user=cairn";
  }

  private static byte[] bucketCheckpoint(String prefix) throws Exception {
    return s3.open(prefix).get(ObjectStore.CHECKPOINT).orElseThrow();
  }

  /** The report lines that must agree between two copies of one log. */
  private static List<String> sameLog(String report) {
    return report.lines().filter(l -> l.startsWith("entries:") || l.startsWith("history:")
        || l.startsWith("tree state:") || l.startsWith("latest checkpoint:")).toList();
  }

  private static Path backup(String name) {
    Path out = dir.resolve(name);
    KeyCommandsTest.Result b = cairn("backup", "--postgres", source(), "--objects",
        s3.url("source"), "--data", keys.toString(), "--out", out.toString());
    assertThat(b.code()).as(b.err()).isZero();
    assertThat(b.out()).contains("backup of " + ORIGIN + " at size " + ENTRIES);
    return out;
  }

  @Test
  void verifyReplaysTheClusterFromItsDatabaseAndBucket() {
    KeyCommandsTest.Result r = cairn("verify", "--postgres", source(), "--objects",
        s3.url("source"), "--data", keys.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("verifying cluster " + source())
        .contains("entries: " + ENTRIES + " replayed")
        .contains("latest checkpoint: the history's last (size " + ENTRIES + ")")
        .containsPattern("history: ([4-9]|[1-9][0-9]+) checkpoints")
        .endsWith("OK\n");
    KeyCommandsTest.Result withVkey = cairn("verify", "--postgres", source(), "--objects",
        s3.url("source"), "--vkey", keys.resolve("log.vkey").toString());
    assertThat(withVkey.code()).as(withVkey.err()).isZero();
    assertThat(sameLog(withVkey.out())).isEqualTo(sameLog(r.out()));
  }

  @Test
  void aBackupOfTheClusterVerifiesAndRestoresIntoADataDirectory() throws Exception {
    Path backup = backup("backup-to-dir");
    KeyCommandsTest.Result again = cairn("backup", "--postgres", source(), "--objects",
        s3.url("source"), "--data", keys.toString(), "--out", backup.toString());
    assertThat(again.out()).contains("0 files written").contains("kept from the backup at"
        + " size " + ENTRIES);
    KeyCommandsTest.Result ofBackup = cairn("verify", "--data", backup.toString());
    assertThat(ofBackup.code()).as(ofBackup.err()).isZero();
    KeyCommandsTest.Result ofCluster = cairn("verify", "--postgres", source(), "--objects",
        s3.url("source"), "--data", keys.toString());
    assertThat(sameLog(ofBackup.out())).isEqualTo(sameLog(ofCluster.out()));

    Path restored = dir.resolve("restored");
    KeyCommandsTest.Result r = cairn("restore", "--from", backup.toString(), "--data",
        restored.toString());
    assertThat(r.code()).as(r.err()).isZero();
    KeyCommandsTest.Result ofRestored = cairn("verify", "--data", restored.toString());
    assertThat(ofRestored.code()).as(ofRestored.err()).isZero();
    assertThat(sameLog(ofRestored.out())).isEqualTo(sameLog(ofCluster.out()));
    assertThat(Files.readAllBytes(restored.resolve("checkpoint")))
        .isEqualTo(bucketCheckpoint("source"));
  }

  @Test
  void aBackupRestoresIntoAnEmptyClusterThatVerifiesAndResumes() throws Exception {
    Path backup = backup("backup-to-cluster");
    String target = freshDatabase("restored");
    KeyCommandsTest.Result r = cairn("restore", "--from", backup.toString(), "--postgres",
        target, "--objects", s3.url("restored"));
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("restored " + ORIGIN + " at size " + ENTRIES)
        .contains("copy the backup's log.vkey and keys/");

    KeyCommandsTest.Result ofRestored = cairn("verify", "--postgres", target, "--objects",
        s3.url("restored"), "--data", keys.toString());
    assertThat(ofRestored.code()).as(ofRestored.err()).isZero();
    KeyCommandsTest.Result ofSource = cairn("verify", "--postgres", source(), "--objects",
        s3.url("source"), "--data", keys.toString());
    assertThat(sameLog(ofRestored.out())).isEqualTo(sameLog(ofSource.out()));
    assertThat(bucketCheckpoint("restored")).isEqualTo(bucketCheckpoint("source"));

    // A node resumes the restored log: the next entry gets the next index.
    try (ClusterNode node = startNode(target, "restored")) {
      assertThat(node.submissions().add("after the restore".getBytes(StandardCharsets.UTF_8))
          .get(60, TimeUnit.SECONDS).index()).isEqualTo(ENTRIES);
      node.checkpoints().awaitSize(ENTRIES + 1).get(60, TimeUnit.SECONDS);
    }
    assertThat(cairn("verify", "--postgres", target, "--objects", s3.url("restored"),
        "--data", keys.toString()).out()).contains("entries: " + (ENTRIES + 1) + " replayed");
  }

  @Test
  void aRestoreRefusesAClusterThatHoldsALogUnlessForced() throws Exception {
    Path backup = backup("backup-refused");
    String target = freshDatabase("occupied");
    try (ClusterNode node = startNode(target, "occupied")) {
      node.submissions().add("another log".getBytes(StandardCharsets.UTF_8))
          .get(60, TimeUnit.SECONDS);
      node.checkpoints().awaitSize(1).get(60, TimeUnit.SECONDS);
    }
    KeyCommandsTest.Result refused = cairn("restore", "--from", backup.toString(),
        "--postgres", target, "--objects", s3.url("occupied"));
    assertThat(refused.code()).isEqualTo(CliException.IO);
    assertThat(refused.err()).contains("is not empty: it holds 1 committed entries in the"
        + " database; a checkpoint of size 1 in the database; objects in the bucket (")
        .contains("pass --force");

    KeyCommandsTest.Result forced = cairn("restore", "--from", backup.toString(), "--force",
        "--postgres", target, "--objects", s3.url("occupied"));
    assertThat(forced.code()).as(forced.err()).isZero();
    KeyCommandsTest.Result verified = cairn("verify", "--postgres", target, "--objects",
        s3.url("occupied"), "--data", keys.toString());
    assertThat(verified.code()).as(verified.err()).isZero();
    assertThat(verified.out()).contains("entries: " + ENTRIES + " replayed");
  }

  @Test
  void theClusterOptionsRefuseWrongCombinations() {
    String objects = s3.url("source");
    KeyCommandsTest.Result both = cairn("verify", "--url", "http://127.0.0.1:1", "--postgres",
        source(), "--objects", objects);
    assertThat(both.code()).isEqualTo(CliException.USAGE);
    assertThat(both.err()).contains("give either --url or --postgres and --objects");
    KeyCommandsTest.Result noKeys = cairn("verify", "--postgres", source(), "--objects",
        objects);
    assertThat(noKeys.code()).isEqualTo(CliException.USAGE);
    assertThat(noKeys.err()).contains("holds no keys: give --vkey, or --data");
    KeyCommandsTest.Result half = cairn("backup", "--postgres", source(), "--out",
        dir.resolve("half").toString());
    assertThat(half.code()).isEqualTo(CliException.USAGE);
    assertThat(half.err()).contains("needs both --postgres and --objects");
    KeyCommandsTest.Result badUrl = cairn("backup", "--postgres", source(), "--objects",
        "http://nowhere", "--out", dir.resolve("bad").toString());
    assertThat(badUrl.code()).isEqualTo(CliException.USAGE);
    assertThat(badUrl.err()).contains("--objects: ");
    KeyCommandsTest.Result twoTargets = cairn("restore", "--from", dir.toString(), "--data",
        dir.resolve("x").toString(), "--postgres", source(), "--objects", objects);
    assertThat(twoTargets.code()).isEqualTo(CliException.USAGE);
    assertThat(twoTargets.err()).contains("either --data, or --postgres and --objects");
    assertThat(cairn("restore", "--from", dir.toString()).err()).contains("give the target");
  }
}
