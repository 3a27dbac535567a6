package dev.cairn.log;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.log.testing.StoredLogs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log refuses to start on stored data that cannot back its checkpoint, saying what is wrong,
 * instead of serving it. (The files it does not read at start are {@code cairn verify --data}'s
 * job: {@code ReplayTest}.)
 */
class CorruptStartTest {
  static final String ORIGIN = "example.com/corrupt-start";

  @TempDir Path dir;

  @BeforeEach
  void createLog() throws Exception {
    StoredLogs.create(dir, ORIGIN, 1, 600); // bundles 000 and 001 full, 002 of 88 entries
  }

  private void assertStartFails(String message) {
    assertThatThrownBy(() -> StoredLogs.open(dir, ORIGIN).close())
        .isInstanceOf(IOException.class).hasMessageContaining(message);
  }

  @Test
  void aChangedEntryInThePartialBundle() throws Exception {
    Path bundle = dir.resolve("tiles/tile/entries/002.p/88");
    StoredLogs.flipByte(bundle, StoredLogs.entryOffset(Files.readAllBytes(bundle), 87));
    assertStartFails("entry 599 in bundle tile/entries/002.p/88 does not match its leaf hash in"
        + " tile tile/0/002.p/88");
  }

  @Test
  void aTruncatedPartialBundle() throws Exception {
    Path bundle = dir.resolve("tiles/tile/entries/002.p/88");
    Files.write(bundle, java.util.Arrays.copyOf(Files.readAllBytes(bundle), 40));
    assertStartFails("tile/entries/002.p/88 in the object store is truncated");
  }

  @Test
  void aChangedPartialTile() throws Exception {
    StoredLogs.flipByte(dir.resolve("tiles/tile/0/002.p/88"), 5);
    assertStartFails("stored tiles lead to root");
  }

  @Test
  void aMissingTile() throws Exception {
    Files.delete(dir.resolve("tiles/tile/1/000.p/2"));
    assertStartFails("tile/1/000.p/2 is missing from the object store");
  }

  @Test
  void aCheckpointSignedByOtherKeys() throws Exception {
    Path other = dir.resolveSibling(dir.getFileName() + "-other");
    StoredLogs.create(other, ORIGIN, 1, 600); // the same origin and entries, other keys
    Files.copy(other.resolve("checkpoint"), dir.resolve("checkpoint"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertStartFails("is unreadable or not signed by this log's keys: ");
  }

  @Test
  void aCheckpointSignedByTheMlDsaKeyAlone() throws Exception {
    StoredLogs.resignWithMlDsaOnly(dir); // a stolen ML-DSA-44 key file can do this much
    assertStartFails("is unreadable or not signed by this log's keys: untrusted: the checkpoint"
        + " lacks a signature by the log's Ed25519 key (only ML-DSA-44 signed it)");
  }

  @Test
  void aCheckpointItsTilesDoNotBack() throws Exception {
    // The log's own signature over a checkpoint of other entries: a fork restored over it.
    Path other = dir.resolveSibling(dir.getFileName() + "-fork");
    StoredLogs.copy(dir, other);
    dev.cairn.log.storage.embedded.AtomicFiles.deleteRecursively(other.resolve("tiles"));
    dev.cairn.log.storage.embedded.AtomicFiles.deleteRecursively(other.resolve("index"));
    dev.cairn.log.storage.embedded.AtomicFiles.deleteRecursively(other.resolve("dedup"));
    dev.cairn.log.storage.embedded.AtomicFiles.deleteRecursively(other.resolve("sequence-log"));
    Files.delete(other.resolve("tree-state"));
    Files.delete(other.resolve("checkpoint"));
    try (TransparencyLog log = StoredLogs.open(other, ORIGIN)) {
      StoredLogs.add(log, "fork", 0, 600);
    }
    Files.copy(other.resolve("checkpoint"), dir.resolve("checkpoint"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertStartFails("the stored checkpoint at size 600 has root");
  }

  @Test
  void aGarbledTreeState() throws Exception {
    Files.write(dir.resolve("tree-state"), new byte[48 * 3]);
    assertStartFails("tree state file");
  }

  @Test
  void aGarbledSigningKey() throws Exception {
    Files.writeString(dir.resolve("keys/log.skey"), "PRIVATE+KEY+garbage\n");
    assertStartFails("log.skey is unreadable");
  }
}
