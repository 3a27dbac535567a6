package dev.cairn.log.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.log.TransparencyLog;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.ProofVerifier;
import dev.cairn.log.replay.DataDirSource;
import dev.cairn.read.Divergence;
import dev.cairn.log.replay.Progress;
import dev.cairn.log.replay.Replay;
import dev.cairn.log.testing.StoredLogs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backups of real data directories, taken while the log writes, incrementally, and restored
 * into data directories the log resumes from.
 */
class BackupTest {
  static final String ORIGIN = "example.com/backup-test";

  @TempDir Path tmp;

  private static Replay.Result replayBackup(Path backup) throws Exception {
    try (BackupSource source = BackupSource.open(backup)) {
      return Replay.run(source, StoredLogs.verifier(backup), Progress.NONE);
    }
  }

  private static Replay.Result replayData(Path data) throws Exception {
    try (DataDirSource source = DataDirSource.open(data)) {
      return Replay.run(source, StoredLogs.verifier(data), Progress.NONE);
    }
  }

  @Test
  void aBackupTakenWhileWritingCapturesACheckpointWithExactlyItsData() throws Exception {
    Path data = tmp.resolve("data");
    Path backup = tmp.resolve("backup");
    try (TransparencyLog log = StoredLogs.open(data, ORIGIN)) {
      StoredLogs.add(log, "before", 0, 700);
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong added = new AtomicLong();
      Thread writer = Thread.ofVirtual().start(() -> {
        for (long i = 0; !stop.get(); i += 37) {
          try {
            StoredLogs.add(log, "during", i, i + 37);
            added.addAndGet(37);
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        }
      });
      Backup.Result first;
      Backup.Result second;
      try {
        dev.cairn.log.testing.Poll.until("writes during the backup", java.time.Duration.ofSeconds(30),
            () -> added.get() > 0);
        first = Backup.run(data, backup, Progress.NONE);
        Replay.Result r = replayBackup(backup);
        assertThat(r.entries()).isEqualTo(first.manifest().size()).isGreaterThan(700);
        long seen = added.get();
        dev.cairn.log.testing.Poll.until("more writes", java.time.Duration.ofSeconds(30),
            () -> added.get() > seen + 300);
        second = Backup.run(data, backup, Progress.NONE);
      } finally {
        stop.set(true);
        writer.join();
      }
      assertThat(second.previousSize()).isEqualTo(first.manifest().size());
      assertThat(second.manifest().size()).isGreaterThan(first.manifest().size());
      // Incremental: the full tiles and bundles and the history of the first are kept as they
      // were; only what is new (and the new partial tiles) is written.
      assertThat(second.filesKept()).isGreaterThan(0);
      assertThat(second.filesWritten()).isLessThan(second.manifest().files().size());
      for (String f : first.manifest().files().keySet()) {
        if (f.contains(".p/") || f.startsWith("checkpoint-")) {
          assertThat(second.manifest().files()).doesNotContainKey(f);
          assertThat(backup.resolve(f)).doesNotExist();
        } else {
          assertThat(second.manifest().files().get(f)).isEqualTo(first.manifest().files().get(f));
        }
      }
      Replay.Result r = replayBackup(backup);
      assertThat(r.entries()).isEqualTo(second.manifest().size());
      assertThat(r.checkpoints()).isGreaterThan(2);
    }
  }

  @Test
  void aRestoredLogResumesWithItsEntriesKeysAndHistory() throws Exception {
    Path data = tmp.resolve("data");
    Path backup = tmp.resolve("backup");
    Path restored = tmp.resolve("restored");
    List<Long> indices;
    try (TransparencyLog log = StoredLogs.open(data, ORIGIN)) {
      indices = StoredLogs.add(log, "kept", 0, 1300);
    }
    Backup.Result b = Backup.run(data, backup, Progress.NONE);
    Restore.Result r = Restore.run(backup, restored, false, Progress.NONE);
    assertThat(r.manifest().size()).isEqualTo(1300);
    assertThat(replayData(restored).entries()).isEqualTo(1300);
    assertThat(restored.resolve(Restore.MARKER)).doesNotExist();

    try (TransparencyLog log = StoredLogs.open(restored, ORIGIN)) {
      assertThat(log.keys().verifierKeys()).isEqualTo(Files.readAllLines(data.resolve("log.vkey")));
      assertThat(log.publisher().latest().checkpoint().size()).isEqualTo(1300);
      // Resubmitted entries get their old indices: the dedup index came back too.
      assertThat(StoredLogs.add(log, "kept", 0, 1300)).isEqualTo(indices);
      StoredLogs.add(log, "after", 0, 500);
      Checkpoint now = log.publisher().latest().checkpoint();
      assertThat(now.size()).isEqualTo(1800);
      List<Hash> proof = log.tiles().consistencyProof(1300, now.size());
      ProofVerifier.verifyConsistency(1300, now.size(), proof, b.manifest().root(), now.root());
      assertThat(log.history().bySize(1300)).isPresent();
    }
    assertThat(replayData(restored).entries()).isEqualTo(1800);
  }

  /**
   * Signing keys are readable by their owner alone wherever they are written — the data
   * directory, a backup, a restore — and their directories only their owner may enter, whatever
   * the umask (the modes are given when the files are created, not set after).
   */
  @Test
  void keyFilesAndTheirDirectoriesAreTheOwnersAlone() throws Exception {
    Path data = tmp.resolve("data");
    Path backup = tmp.resolve("backup");
    Path restored = tmp.resolve("restored");
    try (TransparencyLog log = StoredLogs.open(data, ORIGIN)) {
      StoredLogs.add(log, "e", 0, 10);
    }
    Backup.run(data, backup, Progress.NONE);
    Restore.run(backup, restored, false, Progress.NONE);
    for (Path keys : List.of(data.resolve("keys"), backup.resolve("keys"),
        restored.resolve("keys"))) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys)))
          .as(keys.toString()).isEqualTo("rwx------");
      List<Path> secrets;
      try (var files = Files.list(keys)) {
        secrets = files.filter(f -> f.toString().endsWith(".skey")).toList();
      }
      assertThat(secrets).as("key files in " + keys).hasSize(2);
      for (Path f : secrets) {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
            .as(f.toString()).isEqualTo("rw-------");
      }
    }
  }

  @Test
  void restoreRefusesANonEmptyDirectoryUnlessForcedAndALiveOne() throws Exception {
    Path data = tmp.resolve("data");
    Path backup = tmp.resolve("backup");
    StoredLogs.create(data, ORIGIN, 1, 300);
    Backup.run(data, backup, Progress.NONE);
    Path target = tmp.resolve("target");
    Files.createDirectories(target);
    Files.writeString(target.resolve("notes.txt"), "mine");
    Files.writeString(target.resolve("audit.jsonl"), "{\"decision\":\"allow\"}\n");
    assertThatThrownBy(() -> Restore.run(backup, target, false, Progress.NONE))
        .hasMessageContaining("is not empty").hasMessageContaining("--force");
    assertThat(target.resolve("notes.txt")).hasContent("mine");
    Restore.run(backup, target, true, Progress.NONE);
    assertThat(target.resolve("notes.txt")).doesNotExist();
    assertThat(target.resolve("audit.jsonl")).as("the audit trail survives a forced restore")
        .hasContent("{\"decision\":\"allow\"}");
    assertThat(java.nio.file.Files.getPosixFilePermissions(backup)).as("a backup holds keys")
        .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
            java.nio.file.attribute.PosixFilePermission.OWNER_WRITE,
            java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE);
    assertThat(replayData(target).entries()).isEqualTo(300);
    try (TransparencyLog log = StoredLogs.open(target, ORIGIN)) {
      assertThatThrownBy(() -> Restore.run(backup, target, true, Progress.NONE))
          .hasMessageContaining("another cairn process is using");
      assertThat(log.publisher().latest().checkpoint().size()).isEqualTo(300);
    }
  }

  @Test
  void aCorruptOrIncompleteBackupIsRefusedNamingTheFile() throws Exception {
    Path data = tmp.resolve("data");
    Path backup = tmp.resolve("backup");
    StoredLogs.create(data, ORIGIN, 1, 600);
    Backup.run(data, backup, Progress.NONE);
    StoredLogs.flipByte(backup.resolve("tiles/tile/entries/001"), 10);
    assertThatThrownBy(() -> Restore.run(backup, tmp.resolve("r1"), false, Progress.NONE))
        .hasMessageStartingWith("the backup's tiles/tile/entries/001 is corrupt: its SHA-256 is ");
    assertThatThrownBy(() -> replayBackup(backup)).isInstanceOf(Divergence.class)
        .hasMessageContaining("tiles/tile/entries/001 is corrupt");
    StoredLogs.flipByte(backup.resolve("tiles/tile/entries/001"), 10);
    Files.delete(backup.resolve("tiles/tile/0/000"));
    assertThatThrownBy(() -> Restore.run(backup, tmp.resolve("r2"), false, Progress.NONE))
        .hasMessage("the backup lacks tiles/tile/0/000, which its manifest lists");
    assertThat(tmp.resolve("r2")).doesNotExist();
  }

  @Test
  void aBackupOfAnotherLogOrAnOlderStateIsRefused() throws Exception {
    Path data = tmp.resolve("data");
    Path other = tmp.resolve("other");
    Path backup = tmp.resolve("backup");
    StoredLogs.create(data, ORIGIN, 1, 300);
    StoredLogs.create(other, "example.com/another-log", 1, 300);
    Backup.run(data, backup, Progress.NONE);
    assertThatThrownBy(() -> Backup.run(other, backup, Progress.NONE))
        .hasMessageContaining("is of log \"" + ORIGIN + "\", not \"example.com/another-log\"");

    // A log with the same keys and origin but other entries: a fork of the backed-up log.
    Path fork = tmp.resolve("fork");
    Restore.run(backup, fork, false, Progress.NONE);
    try (TransparencyLog log = StoredLogs.open(data, ORIGIN)) {
      StoredLogs.add(log, "main", 0, 100);
    }
    try (TransparencyLog log = StoredLogs.open(fork, ORIGIN)) {
      StoredLogs.add(log, "fork", 0, 50);
    }
    Path forkBackup = tmp.resolve("fork-backup");
    StoredLogs.copy(backup, forkBackup);
    Backup.run(data, backup, Progress.NONE);
    assertThatThrownBy(() -> Backup.run(fork, backup, Progress.NONE))
        .hasMessageContaining("has size 400, beyond the log's latest checkpoint (size 350)");
    Backup.Result forked = Backup.run(fork, forkBackup, Progress.NONE);
    assertThat(forked.manifest().size()).isEqualTo(350);
    try (TransparencyLog log = StoredLogs.open(fork, ORIGIN)) {
      StoredLogs.add(log, "fork", 50, 100);
    }
    assertThatThrownBy(() -> Backup.run(fork, backup, Progress.NONE))
        .hasMessageContaining("is not consistent with the log at size 400");
  }

  @Test
  void aLogWhoseCheckpointsTheMlDsaKeyAloneSignedIsNotBackedUp() throws Exception {
    Path data = tmp.resolve("data");
    StoredLogs.create(data, ORIGIN, 1, 300);
    StoredLogs.resignWithMlDsaOnly(data);
    Path backup = tmp.resolve("backup");
    assertThatThrownBy(() -> Backup.run(data, backup, Progress.NONE))
        .isInstanceOf(IOException.class).hasMessage("the latest checkpoint in the history of "
            + data + " does not verify: untrusted: the checkpoint lacks a signature by the log's"
            + " Ed25519 key (only ML-DSA-44 signed it); every key type the log publishes must"
            + " sign");
    assertThat(backup.resolve(BackupManifest.NAME)).doesNotExist();
  }

  @Test
  void anInterruptedRestoreIsNotServed() throws Exception {
    Path data = tmp.resolve("data");
    StoredLogs.create(data, ORIGIN, 1, 10);
    Files.write(data.resolve(Restore.MARKER), new byte[0]);
    assertThatThrownBy(() -> StoredLogs.open(data, ORIGIN)).isInstanceOf(IOException.class)
        .hasMessageContaining("a restore into").hasMessageContaining("did not finish");
  }

  @Test
  void manifestsRoundTripAndBadOnesAreRejected() {
    BackupManifest m = new BackupManifest(ORIGIN, 5, Hash.copyOf(new byte[32], 0),
        java.util.Map.of("tiles/tile/0/000.p/5",
            new BackupManifest.FileInfo("ab".repeat(32), 160)));
    assertThat(BackupManifest.parse(m.encode())).isEqualTo(m);
    List<String> bad = new ArrayList<>(List.of(
        "cairn-backup v2\norigin o\nsize 1\nroot " + "A".repeat(43) + "=\n",
        "cairn-backup v1\norigin o\nsize -1\nroot " + "A".repeat(43) + "=\n",
        "cairn-backup v1\norigin o\nsize 1\nroot " + "A".repeat(43) + "=\nxx 1 tiles/a\n",
        "cairn-backup v1\norigin o\nsize 1\nroot " + "A".repeat(43) + "=\n"
            + "ab".repeat(32) + " 1 ../etc/passwd\n",
        "cairn-backup v1\norigin o\nsize 1\nroot " + "A".repeat(43) + "="));
    for (String b : bad) {
      assertThatThrownBy(() -> BackupManifest.parse(b.getBytes(
          java.nio.charset.StandardCharsets.UTF_8)))
          .as(b).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void changedKeysAreNotWrittenOverAnOlderBackup() throws Exception {
    Path data = tmp.resolve("data");
    Path backup = tmp.resolve("backup");
    StoredLogs.create(data, ORIGIN, 1, 10);
    Backup.Result first = Backup.run(data, backup, Progress.NONE);
    Files.writeString(data.resolve("log.vkey"), "# a comment\n"
        + Files.readString(data.resolve("log.vkey")));
    assertThatThrownBy(() -> Backup.run(data, backup, Progress.NONE))
        .hasMessageContaining("log.vkey of").hasMessageContaining("back up into a new directory");
    assertThat(BackupManifest.read(backup).orElseThrow()).isEqualTo(first.manifest());
    first.manifest().check(backup, Progress.NONE);
  }
}
