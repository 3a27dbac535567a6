package dev.cairn.log.replay;

import dev.cairn.read.Divergence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.log.TransparencyLog;
import dev.cairn.merkle.Hash;
import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.log.storage.TreeHead;
import dev.cairn.log.storage.embedded.LocalTreeStateStore;
import dev.cairn.log.storage.embedded.AtomicFiles;
import dev.cairn.log.storage.embedded.DedupIndex;
import dev.cairn.log.storage.embedded.HashDedupIndex;
import dev.cairn.log.storage.embedded.RocksIndex;
import dev.cairn.log.testing.StoredLogs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Offline replay of a real data directory (files with fsync, RocksDB): a clean log verifies,
 * deterministically, also while it serves; every kind of stored file, corrupted, is reported
 * precisely — which file, which entry or hash.
 */
class ReplayTest {
  static final String ORIGIN = "example.com/replay-test";
  /** 3,000 entries: 11 full bundles and level-0 tiles, partial ones of 184, tile/1 of 12. */
  static final int ROUNDS = 3;
  static final int PER_ROUND = 1000;

  @TempDir static Path original;
  @TempDir Path dir;

  @BeforeAll
  static void createLog() throws Exception {
    StoredLogs.create(original, ORIGIN, ROUNDS, PER_ROUND);
  }

  @BeforeEach
  void copyLog() throws IOException {
    StoredLogs.copy(original, dir);
  }

  private Replay.Result replay() throws Exception {
    try (DataDirSource source = DataDirSource.open(dir)) {
      return Replay.run(source, StoredLogs.verifier(dir), Progress.NONE);
    }
  }

  private String divergence() {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(this::replay);
    assertThat(t).isInstanceOf(Divergence.class);
    return t.getMessage();
  }

  private Path tiles(String path) {
    return dir.resolve("tiles").resolve(path);
  }

  @Test
  void aCleanLogReplaysWithEveryCheckpointAndTheSameReportEachTime() throws Exception {
    Replay.Result first = replay();
    assertThat(first.entries()).isEqualTo(ROUNDS * PER_ROUND);
    try (RocksIndex index = RocksIndex.open(dir.resolve("index"))) {
      long published = index.history().list(-1, 10_000, Instant.EPOCH, Instant.MAX).size();
      assertThat(first.checkpoints()).isEqualTo(published).isGreaterThanOrEqualTo(ROUNDS);
    }
    assertThat(first.report()).anyMatch(l -> l.startsWith("entries: 3000 replayed"));
    assertThat(replay()).isEqualTo(first);
  }

  @Test
  void replaysWhileTheLogServesAndGrows() throws Exception {
    try (TransparencyLog log = StoredLogs.open(dir, ORIGIN)) {
      AtomicBoolean stop = new AtomicBoolean();
      Thread writer = Thread.ofVirtual().start(() -> {
        long i = 100_000;
        while (!stop.get()) {
          try {
            StoredLogs.add(log, "more", i, i + 50);
          } catch (Exception e) {
            throw new AssertionError(e);
          }
          i += 50;
        }
      });
      try {
        dev.cairn.log.testing.Poll.until("the log to grow", java.time.Duration.ofSeconds(30),
            () -> log.publisher().latest().checkpoint().size() > ROUNDS * PER_ROUND);
        Replay.Result r = replay();
        assertThat(r.entries()).isGreaterThanOrEqualTo(ROUNDS * PER_ROUND);
      } finally {
        stop.set(true);
        writer.join();
      }
    }
  }

  @Test
  void aChangedEntryIsNamedWithItsBundleAndTile() throws Exception {
    Path bundle = tiles("tile/entries/001");
    StoredLogs.flipByte(bundle, StoredLogs.entryOffset(Files.readAllBytes(bundle), 44) + 3);
    assertThat(divergence()).startsWith("entry 300: tile tile/0/001 holds leaf hash ")
        .contains("at position 44, but the entry in tile/entries/001 hashes to ");
  }

  @Test
  void aTruncatedBundleIsNamed() throws Exception {
    Path bundle = tiles("tile/entries/002");
    byte[] b = Files.readAllBytes(bundle);
    Files.write(bundle, java.util.Arrays.copyOf(b, 100));
    assertThat(divergence()).endsWith("tiles/tile/entries/002 is truncated: entry 518"
        + " (position 6) has 14 bytes but only 2 remain");
  }

  @Test
  void aMissingBundleIsNamed() throws Exception {
    Files.delete(tiles("tile/entries/003"));
    assertThat(divergence()).endsWith("tiles/tile/entries/003: no such file");
  }

  @Test
  void aChangedLeafHashInATileIsNamedWithItsEntry() throws Exception {
    StoredLogs.flipByte(tiles("tile/0/005"), 7 * Hash.SIZE + 1);
    assertThat(divergence()).startsWith("entry 1287: tile tile/0/005 holds leaf hash ");
  }

  @Test
  void aTruncatedFullTileIsNamed() throws Exception {
    Path tile = tiles("tile/0/004");
    Files.write(tile, java.util.Arrays.copyOf(Files.readAllBytes(tile), 8000));
    assertThat(divergence()).endsWith("tiles/tile/0/004 has 8000 bytes, but a full tile has"
        + " 8192");
  }

  @Test
  void aChangedHigherTileIsNamedWithTheSubtreeItCovers() throws Exception {
    StoredLogs.flipByte(tiles("tile/1/000.p/11"), 2 * Hash.SIZE);
    assertThat(divergence()).startsWith(
        "tile tile/1/000.p/11: hash 2 (the subtree of entries 512 to 767) is ");
  }

  @Test
  void aWrongTreeStateIsReported() throws Exception {
    LocalTreeStateStore state = new LocalTreeStateStore(dir.resolve("tree-state"),
        dir.resolve(".tmp"));
    state.save(new TreeHead(ROUNDS * PER_ROUND, Hash.copyOf(new byte[Hash.SIZE], 0)));
    state.close();
    assertThat(divergence()).startsWith("the tree state says size 3000 has root "
        + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=, but the entries give ");
  }

  @Test
  void aTamperedLatestCheckpointIsReported() throws Exception {
    Path cp = dir.resolve("checkpoint");
    String note = Files.readString(cp);
    // Change one character of the first signature's base64.
    int sig = note.indexOf("\n\n") + 3;
    int at = note.indexOf(' ', note.indexOf(' ', sig) + 1) + 10;
    char c = note.charAt(at);
    Files.writeString(cp, note.substring(0, at) + (c == 'A' ? 'B' : 'A') + note.substring(at + 1));
    assertThat(divergence()).startsWith("the latest checkpoint does not verify: ");
  }

  /**
   * The ML-DSA-44 key is a file even when the classical key is in an HSM: a history re-signed
   * with it alone (the log's own tree, so nothing else diverges) is refused unless the verifier
   * is told to accept any one key type.
   */
  @Test
  void checkpointsSignedByTheMlDsaKeyAloneAreRefused() throws Exception {
    long first;
    try (RocksIndex index = RocksIndex.open(dir.resolve("index"))) {
      first = index.history().list(-1, 1, Instant.EPOCH, Instant.MAX).get(0).size();
    }
    StoredLogs.resignWithMlDsaOnly(dir);
    assertThat(divergence()).isEqualTo("the history's checkpoint at size " + first + " does not"
        + " verify: untrusted: the checkpoint lacks a signature by the log's Ed25519 key (only"
        + " ML-DSA-44 signed it); every key type the log publishes must sign");
    try (DataDirSource source = DataDirSource.open(dir)) {
      assertThat(Replay.run(source, StoredLogs.verifier(dir).acceptingAnyKeyType(),
          Progress.NONE).entries()).isEqualTo(ROUNDS * PER_ROUND);
    }
  }

  @Test
  void aHistoryCheckpointBeyondTheTilesIsReported() throws Exception {
    try (RocksIndex index = RocksIndex.open(dir.resolve("index"))) {
      CheckpointHistory.Entry last = index.history().last().orElseThrow();
      index.history().append(new CheckpointHistory.Entry(5000, Instant.now(), last.note()));
    }
    assertThat(divergence()).isEqualTo("the history holds a checkpoint of size 5000, but the"
        + " tiles and bundles only reach size 3000 (the tree state, or the latest checkpoint)");
  }

  @Test
  void aCorruptHistoryFileFailsItsChecksums() throws Exception {
    List<Path> tables;
    try (Stream<Path> s = Files.list(dir.resolve("index"))) {
      tables = s.filter(p -> p.toString().endsWith(".sst")).toList();
    }
    assertThat(tables).isNotEmpty();
    for (Path t : tables) {
      StoredLogs.flipByte(t, 64);
    }
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(this::replay);
    assertThat(t).hasMessageContaining("index").hasMessageMatching(
        "(?s).*(checksum|Corruption|corrupt).*");
  }

  @Test
  void aDataDirectoryWithoutKeysIsNotOne() {
    assertThatThrownBy(() -> DataDirSource.open(dir.resolve("tiles")))
        .isInstanceOf(IOException.class).hasMessageContaining("is not a Cairn data directory");
  }

  @Test
  void anUnfinishedRestoreIsReportedNotVerified() throws Exception {
    Files.write(dir.resolve(dev.cairn.log.backup.Restore.MARKER), new byte[0]);
    assertThatThrownBy(() -> DataDirSource.open(dir)).isInstanceOf(IOException.class)
        .hasMessageContaining("did not finish");
  }

  @Test
  void aWrongDedupMappingIsFoundWhenAskedFor() throws Exception {
    try (DataDirSource source = DataDirSource.open(dir)) {
      Replay.Result r = Replay.run(source, StoredLogs.verifier(dir), Progress.NONE, true);
      assertThat(r.report()).anyMatch(l -> l.startsWith("dedup index: every entry below its"
          + " watermark (3000) maps to its own index"));
    }
    try (HashDedupIndex index = HashDedupIndex.open(dir.resolve("dedup"))) {
      Hash leaf = new dev.cairn.merkle.Hasher().leaf(StoredLogs.entry("test", 5));
      index.add(List.of(new DedupIndex.Mapping(leaf, 7)), 3000);
    }
    try (DataDirSource source = DataDirSource.open(dir)) {
      assertThat(Replay.run(source, StoredLogs.verifier(dir), Progress.NONE).entries())
          .as("not checked unless asked").isEqualTo(3000);
      assertThatThrownBy(() -> Replay.run(source, StoredLogs.verifier(dir), Progress.NONE, true))
          .isInstanceOf(Divergence.class).hasMessage("the dedup index maps entry 5's leaf hash"
              + " to index 7: a resubmission would get the wrong answer");
    }
  }

  @Test
  void aWrongDedupMappingIsReportedBeforeALaterBrokenBundle() throws Exception {
    try (HashDedupIndex index = HashDedupIndex.open(dir.resolve("dedup"))) {
      Hash leaf = new dev.cairn.merkle.Hasher().leaf(StoredLogs.entry("test", 5));
      index.add(List.of(new DedupIndex.Mapping(leaf, 7)), 3000);
    }
    Path bundle = tiles("tile/entries/002");
    Files.write(bundle, java.util.Arrays.copyOf(Files.readAllBytes(bundle), 100));
    try (DataDirSource source = DataDirSource.open(dir)) {
      // The check looks entries up in chunks, but reports what a check per bundle would have:
      // entry 5 comes before bundle 2.
      assertThatThrownBy(() -> Replay.run(source, StoredLogs.verifier(dir), Progress.NONE, true))
          .isInstanceOf(Divergence.class).hasMessage("the dedup index maps entry 5's leaf hash"
              + " to index 7: a resubmission would get the wrong answer");
      assertThatThrownBy(() -> Replay.run(source, StoredLogs.verifier(dir), Progress.NONE))
          .isInstanceOf(Divergence.class).hasMessageContaining("tile/entries/002");
    }
  }

  @Test
  void aDedupIndexLackingAnEntryBelowItsWatermarkIsFound() throws Exception {
    AtomicFiles.deleteRecursively(dir.resolve("dedup"));
    try (HashDedupIndex index = HashDedupIndex.open(dir.resolve("dedup"))) {
      List<DedupIndex.Mapping> all = new java.util.ArrayList<>();
      for (int i = 0; i < 3000; i++) {
        if (i != 2_345) {
          all.add(new DedupIndex.Mapping(
              new dev.cairn.merkle.Hasher().leaf(StoredLogs.entry("test", i)), i));
        }
      }
      index.add(all, 3000);
    }
    try (DataDirSource source = DataDirSource.open(dir)) {
      assertThatThrownBy(() -> Replay.run(source, StoredLogs.verifier(dir), Progress.NONE, true))
          .isInstanceOf(Divergence.class).hasMessage("the dedup index lacks entry 2345 (below"
              + " its watermark 3000): a resubmission would get the wrong answer");
    }
  }
}
