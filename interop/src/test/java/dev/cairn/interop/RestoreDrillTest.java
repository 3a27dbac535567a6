package dev.cairn.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.log.backup.BackupManifest;
import dev.cairn.log.storage.embedded.AtomicFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The restore drill of the runbook, end to end with real processes: {@code cairn serve} under a
 * write load → {@code cairn backup} while it writes → more writes → the server stopped and its
 * data destroyed → {@code cairn restore} → {@code cairn serve} on the restored data. Then the Go
 * auditor checks the restored log, and that it is consistent with the backed-up checkpoint;
 * every entry acknowledged below the backup's size is at its index; the restored log grows
 * consistently; {@code cairn verify --data} passes on the backup and on the live data.
 */
class RestoreDrillTest {
  private static final List<String> SERVE_OPTIONS = List.of(
      "--origin", "cairn.example/drill",
      "--sequencing-interval", "5ms",
      "--checkpoint-interval", "100ms");
  private static final int WRITERS = 4;

  @Test
  void backupWhileWritingThenRestoreAndServe(@TempDir Path tmp) throws Exception {
    Path data = tmp.resolve("data");
    Path backup = tmp.resolve("backup");
    Ledger ledger = new Ledger();
    BackupManifest manifest;
    try (ServerProcess server = ServerProcess.start(data, tmp.resolve("serve-1.log"),
        SERVE_OPTIONS);
        LogClient client = new LogClient(server.base())) {
      WriteLoad load = new WriteLoad(client, ledger, "drill", 7, WRITERS).start();
      awaitAcknowledged(load, 2_000);

      var b = CairnCli.run("backup", "--data", data.toString(), "--out", backup.toString());
      assertThat(b.code()).as(b.describe()).isZero();
      manifest = BackupManifest.read(backup).orElseThrow();
      assertThat(manifest.size()).isPositive();
      // The writes went on while the backup ran, and go on after it.
      long afterBackup = load.acknowledged();
      awaitAcknowledged(load, afterBackup + 2_000);
      load.serverKilled();
      server.kill();
      assertThat(load.awaitStopped()).as("what the writers saw").isEmpty();
    }
    long sizeAtBackup = manifest.size();
    assertThat(ledger.lastAcknowledged()).isGreaterThan(sizeAtBackup);

    AtomicFiles.deleteRecursively(data);
    var r = CairnCli.run("restore", "--from", backup.toString(), "--data", data.toString());
    assertThat(r.code()).as(r.describe()).isZero();

    Path previous = tmp.resolve("previous");
    Files.createDirectories(previous);
    Files.copy(backup.resolve(manifest.checkpointFile()), previous.resolve("backup"));
    String vkey = Files.readAllLines(data.resolve("log.vkey"), StandardCharsets.UTF_8).get(0);
    try (ServerProcess server = ServerProcess.start(data, tmp.resolve("serve-2.log"),
        SERVE_OPTIONS);
        LogClient client = new LogClient(server.base())) {
      byte[] restored = client.checkpoint();
      assertThat(LiveLog.size(restored)).isEqualTo(sizeAtBackup);

      // Every entry acknowledged below the backup's size is there, at its index.
      Map<Long, byte[]> acknowledged = ledger.acknowledged();
      int checked = 0;
      for (long bundle = 0; bundle * 256 < sizeAtBackup; bundle++) {
        int width = (int) Math.min(256, sizeAtBackup - bundle * 256);
        List<byte[]> entries = client.bundle(bundle, width);
        for (int k = 0; k < width; k++) {
          long index = bundle * 256 + k;
          byte[] expected = acknowledged.get(index);
          if (expected != null) {
            assertThat(Arrays.equals(entries.get(k), expected)).as("entry %d", index).isTrue();
            checked++;
          }
        }
      }

      assertThat(checked).isGreaterThanOrEqualTo(2_000);

      // It grows, consistently with the backed-up checkpoint.
      Ledger more = new Ledger();
      WriteLoad load = new WriteLoad(client, more, "after restore", 11, WRITERS).start();
      awaitAcknowledged(load, 1_000);
      var live = CairnCli.run("verify", "--data", data.toString());
      assertThat(live.code()).as(live.describe()).isZero();
      load.serverKilled();
      assertThat(load.awaitStopped()).isEmpty();
      long grown = client.addAndAwaitCheckpoint("the drill's last entry"
          .getBytes(StandardCharsets.UTF_8));
      assertThat(grown).isGreaterThan(sizeAtBackup);

      GoTool.Result audit = GoTool.run(GoTool.program("auditor"), "-vkey", vkey, "-api",
          "-previous", previous.toString(), client.base().toString());
      assertThat(audit.exitCode()).as(audit::describe).isZero();
      assertThat(audit.stdout()).as(audit::describe).contains("tree hash ok\n", "tiles ok\n",
          "previous 1 consistent ok\n");
    }
    var verifyBackup = CairnCli.run("verify", "--data", backup.toString());
    assertThat(verifyBackup.code()).as(verifyBackup.describe()).isZero();
    assertThat(verifyBackup.out()).contains("entries: " + sizeAtBackup + " replayed");
    var verifyData = CairnCli.run("verify", "--data", data.toString());
    assertThat(verifyData.code()).as(verifyData.describe()).isZero();
  }

  private static void awaitAcknowledged(WriteLoad load, long count) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (load.acknowledged() < count) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("only " + load.acknowledged() + " of " + count
            + " writes acknowledged within 60 s");
      }
      java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
    }
  }
}
