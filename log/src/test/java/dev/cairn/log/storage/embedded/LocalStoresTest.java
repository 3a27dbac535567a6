package dev.cairn.log.storage.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.log.storage.SequencedBatch;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import dev.cairn.log.storage.StorageException;
import dev.cairn.log.storage.TreeHead;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.ObjectStoreContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The embedded backends against the storage contracts, plus what is particular to them. */
class LocalStoresTest {
  @TempDir Path dir;

  @Nested
  class Objects extends ObjectStoreContract {
    @Override
    protected ObjectStore store() throws IOException {
      return new LocalObjectStore(dir.resolve("tiles"));
    }

    @Override
    protected ObjectStore reopen() throws IOException {
      return store();
    }

    @Test
    void rejectsPathsOutsideTheTileTree() throws IOException {
      ObjectStore s = store();
      for (String bad : new String[] {"../x", "tile/../../etc", "checkpoint", "tile/0/000.p/05",
          "/tile/0/000", "tile//000", ".tmp/x"}) {
        assertThatThrownBy(() -> s.create(bad, new byte[1])).as(bad)
            .isInstanceOf(IllegalArgumentException.class);
      }
    }

    @Test
    void theDirectoryIsAStaticTlogTilesLayout() throws IOException {
      ObjectStore s = store();
      s.create("tile/0/x001/005.p/3", new byte[96]);
      s.publishCheckpoint(new byte[] {'c'});
      assertThat(dir.resolve("tiles/tile/0/x001/005.p/3")).hasSize(96);
      assertThat(dir.resolve("tiles/checkpoint")).hasBinaryContent(new byte[] {'c'});
    }

    @Test
    void sweepsTemporaryFilesLeftByACrash() throws IOException {
      store();
      Path leftover = dir.resolve("tiles/.tmp/000.deadbeef.tmp");
      Files.write(leftover, new byte[3]);
      store();
      assertThat(leftover).doesNotExist();
    }
  }

  /** A store that syncs late: the same contract while the machine runs, and its repairs. */
  @Nested
  class ObjectsSyncedLate extends ObjectStoreContract {
    @Override
    protected ObjectStore store() throws IOException {
      return new LocalObjectStore(dir.resolve("tiles"), Duration.ofMinutes(2));
    }

    @Override
    protected ObjectStore reopen() throws IOException {
      return store();
    }

    @Test
    void objectsWaitForASyncThroughTheirRound() throws IOException {
      LocalObjectStore s = (LocalObjectStore) store();
      assertThat(s.syncDelay()).isEqualTo(Duration.ofMinutes(2));
      s.createAll(Map.of("tile/0/000", new byte[32 * 256], "tile/entries/000.p/1",
          new byte[] {0, 1, 'a'}));
      long first = s.created();
      s.create("tile/0/001.p/2", new byte[64]);
      assertThat(s.unsyncedObjects()).isEqualTo(3);
      // Readable at once, as the log serves them before they are synced.
      assertThat(s.get("tile/0/001.p/2")).hasValueSatisfying(b -> assertThat(b).hasSize(64));

      s.deletePartials(EntryBundle.full(0), w -> true); // a partial gone before its sync
      s.syncThrough(first);
      assertThat(s.unsyncedObjects()).isEqualTo(1);
      s.syncThrough(s.created());
      assertThat(s.unsyncedObjects()).isZero();
      assertThat(new LocalObjectStore(dir.resolve("tiles")).syncDelay()).isZero();
    }

    @Test
    void onlyObjectsACrashMayHaveTornAreWrittenAgain() throws IOException {
      LocalObjectStore s = (LocalObjectStore) store();
      byte[] tile = new byte[32 * 256];
      tile[5] = 7;
      // Tile 2 of level 0 ends at entry 768; tile 0 of level 1 at 65,536.
      Files.createDirectories(dir.resolve("tiles/tile/0"));
      Files.write(dir.resolve("tiles/tile/0/002"), new byte[100]); // torn
      Files.write(dir.resolve("tiles/tile/0/001"), new byte[100]);
      assertThatThrownBy(() -> s.create("tile/0/002", tile))
          .isInstanceOfSatisfying(StorageException.class,
              e -> assertThat(e.kind()).isEqualTo(StorageException.Kind.CONFLICT));

      s.repairBetween(512, 1_000);
      s.create("tile/0/002", tile);
      assertThat(dir.resolve("tiles/tile/0/002")).hasBinaryContent(tile);
      // Within the synced head, and beyond what the sequence log holds: never replaced.
      assertThatThrownBy(() -> s.create("tile/0/001", tile))
          .isInstanceOf(StorageException.class);
      Files.createDirectories(dir.resolve("tiles/tile/1/000.p"));
      Files.write(dir.resolve("tiles/tile/1/000.p/4"), new byte[3]);
      assertThatThrownBy(() -> s.create("tile/1/000.p/4", new byte[128]))
          .isInstanceOf(StorageException.class);

      s.repaired();
      Files.write(dir.resolve("tiles/tile/0/003"), new byte[1]);
      assertThatThrownBy(() -> s.create("tile/0/003", tile))
          .isInstanceOf(StorageException.class);
      // The refused ones too: a close syncs what a failed write may have linked.
      assertThat(s.unsyncedObjects()).isEqualTo(5);
      assertThat(s.replaced()).isEqualTo(1);
    }

    @Test
    void theRecordedHeadsPartialTilesStayUntilItMovesAndAreCutAgainWhenGone()
        throws IOException {
      LocalObjectStore s = (LocalObjectStore) store();
      byte[] tile = new byte[32 * 256];
      for (int i = 0; i < tile.length; i++) {
        tile[i] = (byte) i;
      }
      byte[] bundle = new byte[3 * 256];
      for (int i = 0; i < 256; i++) {
        bundle[3 * i + 1] = 1;
        bundle[3 * i + 2] = (byte) i;
      }
      s.create("tile/0/000.p/5", Arrays.copyOf(tile, 5 * 32));
      s.create("tile/0/000.p/9", Arrays.copyOf(tile, 9 * 32));
      s.create("tile/0/000", tile);
      s.create("tile/entries/000", bundle);

      s.keepPartialsOf(5);
      s.deletePartials(HashTile.full(0, 0), w -> true); // the full tile was published
      assertThat(s.get("tile/0/000.p/9")).isEmpty();
      assertThat(s.get("tile/0/000.p/5")).as("a start at size 5 reads it").isPresent();
      s.keepPartialsOf(5, 7);
      assertThat(s.get("tile/0/000.p/5")).isPresent();
      s.keepPartialsOf(7);
      assertThat(s.get("tile/0/000.p/5")).as("deleted once no kept size needs it").isEmpty();

      s.ensurePartialsOf(7);
      assertThat(s.get("tile/0/000.p/7")).hasValueSatisfying(
          b -> assertThat(b).isEqualTo(Arrays.copyOf(tile, 7 * 32)));
      assertThat(s.get("tile/entries/000.p/7")).hasValueSatisfying(
          b -> assertThat(b).isEqualTo(Arrays.copyOf(bundle, 7 * 3)));
      assertThatThrownBy(() -> s.ensurePartialsOf(256 + 3))
          .as("nothing of tile 1 to cut it from").isInstanceOf(StorageException.class);
    }

    @Test
    void anObjectsReachIsTheTreeSizeAtItsEnd() {
      assertThat(LocalObjectStore.reach(new HashTile(0, 0, 1))).isEqualTo(1);
      assertThat(LocalObjectStore.reach(EntryBundle.full(5))).isEqualTo(6 * 256);
      assertThat(LocalObjectStore.reach(new HashTile(1, 2, 3))).isEqualTo((2 * 256 + 3) * 256);
      assertThat(LocalObjectStore.reach(new HashTile(7, 0, 1))).isEqualTo(1L << 56);
      assertThat(LocalObjectStore.reach(new HashTile(8, 1, 1))).isEqualTo(Long.MAX_VALUE);
    }
  }

  @Nested
  class TreeState extends TreeStateStoreContract {
    @Override
    protected TreeStateStore store() throws IOException {
      return new LocalTreeStateStore(dir.resolve("tree-state"), dir.resolve(".tmp"));
    }

    @Override
    protected TreeStateStore reopen() throws IOException {
      return store();
    }

    @Test
    void aTornLastRecordIsIgnoredAndTheFileIsCompacted() throws IOException {
      LocalTreeStateStore s = (LocalTreeStateStore) store();
      dev.cairn.merkle.Hash root = dev.cairn.merkle.Hasher.threadLocal().leaf(new byte[] {7});
      for (int i = 1; i <= 3000; i++) {
        s.save(new dev.cairn.log.storage.TreeHead(i, root));
      }
      s.close();
      assertThat(Files.size(dir.resolve("tree-state"))).isLessThan(70 * 1024);
      // A crash in the middle of appending the next record.
      Files.write(dir.resolve("tree-state"), new byte[] {0x43, 0x54, 0x53, 0x31, 0, 0, 1},
          java.nio.file.StandardOpenOption.APPEND);
      assertThat(store().load()).hasValueSatisfying(h -> assertThat(h.size()).isEqualTo(3000));
      LocalTreeStateStore again = (LocalTreeStateStore) store();
      again.save(new dev.cairn.log.storage.TreeHead(3001, root));
      again.close();
      assertThat(store().load()).hasValueSatisfying(h -> assertThat(h.size()).isEqualTo(3001));
    }

    @Test
    void reportsACorruptFile() throws IOException {
      Files.writeString(dir.resolve("tree-state"), "cairn-tree-state/v1\n12\nnot-a-hash\n");
      assertThatThrownBy(() -> store().load()).isInstanceOf(IOException.class)
          .hasMessageContaining("corrupt");
    }
  }

  @Nested
  class Sequence extends dev.cairn.log.storage.embedded.SequenceLogContract {
    LocalSequenceLog open;

    @Override
    protected dev.cairn.log.storage.embedded.SequenceLog log() throws IOException {
      if (open != null) {
        open.close();
      }
      open = new LocalSequenceLog(dir.resolve("sequence-log"), 1024);
      return open;
    }

    @Override
    protected dev.cairn.log.storage.embedded.SequenceLog reopen() throws IOException {
      return log();
    }

    @AfterEach
    void close() throws IOException {
      if (open != null) {
        open.close();
      }
    }

    @Test
    void aTornLastRecordIsCutOffAndTheLogGoesOn() throws Exception {
      dev.cairn.log.storage.embedded.SequenceLog l = log();
      l.append(batch(0, 2));
      l.append(batch(2, 2));
      Path segment;
      try (var files = Files.list(dir.resolve("sequence-log"))) {
        segment = files.sorted().reduce((a, b) -> b).orElseThrow();
      }
      long intact = Files.size(segment);
      Files.write(segment, new byte[] {0x43, 0x57, 0x4c, 0x31, 0, 0, 0, 99, 1, 2, 3},
          java.nio.file.StandardOpenOption.APPEND);
      dev.cairn.log.storage.embedded.SequenceLog r = reopen();
      assertThat(Files.size(segment)).isEqualTo(intact);
      r.append(batch(4, 1));
      assertThat(replayedStarts(reopen())).containsExactly(0L, 2L, 4L);
    }

    @Test
    void aLastRecordThatFailsItsChecksumIsCutOff() throws Exception {
      dev.cairn.log.storage.embedded.SequenceLog l = log();
      l.append(batch(0, 2));
      l.append(batch(2, 2));
      Path segment = onlySegment();
      long intact = Files.size(segment);
      l.append(batch(4, 2));
      // A crash can leave the last record's header and length on disk but not all its bytes.
      flip(segment, Files.size(segment) - 6);
      dev.cairn.log.storage.embedded.SequenceLog r = reopen();
      assertThat(Files.size(segment)).isEqualTo(intact);
      assertThat(replayedStarts(r)).containsExactly(0L, 2L);
      r.append(batch(4, 1));
      assertThat(replayedStarts(reopen())).containsExactly(0L, 2L, 4L);
    }

    @Test
    void aSegmentWhoseOnlyRecordFailsItsChecksumIsEmptied() throws Exception {
      log().append(batch(0, 3));
      Path segment = onlySegment();
      flip(segment, Files.size(segment) - 6);
      dev.cairn.log.storage.embedded.SequenceLog r = reopen();
      assertThat(Files.size(segment)).isZero();
      assertThat(replayedStarts(r)).isEmpty();
      assertThatThrownBy(() -> r.append(batch(3, 1)))
          .isInstanceOf(IllegalArgumentException.class);
      r.append(batch(0, 1));
      assertThat(replayedStarts(reopen())).containsExactly(0L);
    }

    @Test
    void aDamagedRecordBeforeTheLastIsReportedWhenReplayedNotCutOff() throws Exception {
      long firstEnd = threeRecords();
      Path segment = onlySegment();
      long length = Files.size(segment);
      flip(segment, firstEnd - 6);
      dev.cairn.log.storage.embedded.SequenceLog r = reopen();
      assertThat(Files.size(segment)).isEqualTo(length);
      assertThatThrownBy(() -> r.replay(0, x -> { })).isInstanceOf(StorageException.class)
          .hasMessageContaining("corrupt at byte 0")
          .hasMessageContaining("entries 0 to 2 fails its checksum");
      // A start replays only what the object store does not hold: the record is not read again.
      assertThat(replayed(r, 2)).containsExactly(2L, 4L);
    }

    @Test
    void readsManySmallAndSomeLargeRecordsBackWhole() throws Exception {
      // Headers across the reader's 64 KiB window, and records larger than it.
      Path logDir = dir.resolve("big-sequence-log");
      List<SequencedBatch> appended = new java.util.ArrayList<>();
      try (LocalSequenceLog l = new LocalSequenceLog(logDir, 64L << 20)) {
        long start = 0;
        for (int i = 0; i < 2500; i++) {
          int n = i % 500 == 250 ? 400 : 1 + i % 3;
          List<byte[]> entries = new java.util.ArrayList<>();
          for (int e = 0; e < n; e++) {
            byte[] entry = new byte[n > 100 ? 300 : 7 + e];
            java.util.Arrays.fill(entry, (byte) (start + e));
            entries.add(entry);
          }
          SequencedBatch b = new SequencedBatch(start, entries, batch(start, n).head());
          l.append(b);
          appended.add(b);
          start += n;
        }
      }
      try (LocalSequenceLog r = new LocalSequenceLog(logDir, 64L << 20)) {
        List<SequencedBatch> all = new java.util.ArrayList<>();
        r.replay(0, all::add);
        assertThat(all).hasSize(appended.size());
        for (int i = 0; i < all.size(); i++) {
          assertThat(all.get(i).start()).isEqualTo(appended.get(i).start());
          assertThat(all.get(i).head()).isEqualTo(appended.get(i).head());
          assertThat(all.get(i).entries()).containsExactlyElementsOf(appended.get(i).entries());
        }
        SequencedBatch late = appended.get(2000);
        assertThat(replayed(r, late.start())).first().isEqualTo(late.start());
        assertThat(replayed(r, late.start())).hasSize(500);
        long end = appended.get(appended.size() - 1).head().size();
        r.append(batch(end, 1));
      }
    }

    @Test
    void aDamagedHeaderWithIntactRecordsAfterItIsCorruptionNotATear() throws Exception {
      long second = threeRecords();
      Path segment = onlySegment();
      long length = Files.size(segment);
      flip(segment, second); // the second record's magic
      flip(segment, second + 30); // and its root
      assertThatThrownBy(this::reopen).isInstanceOf(StorageException.class)
          .hasMessageContaining("corrupt at byte " + second)
          .hasMessageContaining("an intact record follows");
      assertThat(Files.size(segment)).as("nothing cut off").isEqualTo(length);
    }

    @ParameterizedTest(name = "the byte at {0} of the record")
    @ValueSource(ints = {0, 4, 5, 7})
    void aWholeRecordWithADamagedHeaderIsCorruptionNotATear(int at) throws Exception {
      // The second of three records, and the last: its magic, or its length made too large,
      // or one that still ends inside the file.
      for (boolean last : new boolean[] {false, true}) {
        Path logDir = dir.resolve("header-" + at + "-" + last);
        long second;
        long length;
        Path segment;
        try (LocalSequenceLog l = new LocalSequenceLog(logDir, 1024)) {
          l.append(batch(0, 2));
          try (var files = Files.list(logDir)) {
            segment = files.findFirst().orElseThrow();
          }
          second = Files.size(segment);
          l.append(batch(2, 2));
          if (!last) {
            l.append(batch(4, 2));
          }
          length = Files.size(segment);
        }
        byte[] b = Files.readAllBytes(segment);
        b[(int) second + at] ^= at == 5 ? 0x01 : 0x40;
        Files.write(segment, b);
        assertThatThrownBy(() -> new LocalSequenceLog(logDir, 1024).close())
            .as("last %s", last).isInstanceOf(StorageException.class)
            .hasMessageContaining("corrupt at byte " + second);
        assertThat(Files.size(segment)).as("nothing cut off").isEqualTo(length);
      }
    }

    @Test
    void aRecordThatFailsItsChecksumWithMoreWrittenAfterItIsCorruption() throws Exception {
      dev.cairn.log.storage.embedded.SequenceLog l = log();
      l.append(batch(0, 2));
      Path segment = onlySegment();
      long second = Files.size(segment);
      l.append(batch(2, 2));
      long length = Files.size(segment);
      flip(segment, length - 6); // the second record's entries
      // and a torn third record after it
      Files.write(segment, new byte[] {0x43, 0x57, 0x4c, 0x31, 0, 0, 0, 99, 1, 2, 3},
          java.nio.file.StandardOpenOption.APPEND);
      assertThatThrownBy(this::reopen).isInstanceOf(StorageException.class)
          .hasMessageContaining("corrupt at byte " + second)
          .hasMessageContaining("more was written after it");
    }

    @Test
    void aTornRecordWhoseEntriesSpellARecordIsStillCutOff() throws Exception {
      // A whole, intact record, as an entry's bytes: what a client could submit.
      Path other = dir.resolve("other-log");
      try (LocalSequenceLog o = new LocalSequenceLog(other, 1024)) {
        o.append(batch(7, 3));
      }
      byte[] spelled;
      try (var files = Files.list(other)) {
        spelled = Files.readAllBytes(files.findFirst().orElseThrow());
      }
      dev.cairn.log.storage.embedded.SequenceLog l = log();
      l.append(batch(0, 2));
      Path segment = onlySegment();
      long intact = Files.size(segment);
      l.append(new SequencedBatch(2, List.of(spelled), batch(2, 1).head()));
      // Torn: its header and the spelled record reached the disk, its last bytes did not.
      try (var ch = java.nio.channels.FileChannel.open(segment,
          java.nio.file.StandardOpenOption.WRITE)) {
        ch.truncate(Files.size(segment) - 3);
      }
      dev.cairn.log.storage.embedded.SequenceLog r = reopen();
      assertThat(Files.size(segment)).isEqualTo(intact);
      assertThat(replayedStarts(r)).containsExactly(0L);
    }

    @Test
    void aClosedLogRefusesToReplay() throws Exception {
      LocalSequenceLog l = (LocalSequenceLog) log();
      l.append(batch(0, 2));
      l.close();
      assertThatThrownBy(() -> l.replay(0, x -> { }))
          .isInstanceOf(IOException.class).hasMessageContaining("closed");
      assertThatThrownBy(() -> l.append(batch(2, 1)))
          .isInstanceOf(IOException.class).hasMessageContaining("closed");
      assertThat(replayedStarts(reopen())).containsExactly(0L);
    }

    /** Appends three records, of entries 0-2, 2-4 and 4-6; returns where the second starts. */
    private long threeRecords() throws Exception {
      dev.cairn.log.storage.embedded.SequenceLog l = log();
      l.append(batch(0, 2));
      long second = Files.size(onlySegment());
      l.append(batch(2, 2));
      l.append(batch(4, 2));
      return second;
    }

    private Path onlySegment() throws IOException {
      try (var files = Files.list(dir.resolve("sequence-log"))) {
        List<Path> all = files.toList();
        assertThat(all).hasSize(1);
        return all.get(0);
      }
    }

    private static void flip(Path file, long at) throws IOException {
      byte[] b = Files.readAllBytes(file);
      b[(int) at] ^= 1;
      Files.write(file, b);
    }

    @Test
    void rotatesSegmentsAndDeletesThoseBelowTheSize() throws Exception {
      dev.cairn.log.storage.embedded.SequenceLog l = log();
      for (long s = 0; s < 200; s += 10) {
        l.append(batch(s, 10));
      }
      long segments;
      try (var files = Files.list(dir.resolve("sequence-log"))) {
        segments = files.count();
      }
      assertThat(segments).isGreaterThanOrEqualTo(3);
      l.dropThrough(150);
      assertThat(replayedStarts(reopen()).get(0)).isLessThanOrEqualTo(140L);
      assertThat(replayedStarts(reopen())).contains(140L, 190L);
      try (var files = Files.list(dir.resolve("sequence-log"))) {
        assertThat(files.count()).isLessThan(segments);
      }
    }

    @Test
    void aCorruptRecordBeforeTheLastSegmentIsReported() throws Exception {
      dev.cairn.log.storage.embedded.SequenceLog l = log();
      for (long s = 0; s < 100; s += 10) {
        l.append(batch(s, 10));
      }
      Path first;
      try (var files = Files.list(dir.resolve("sequence-log"))) {
        first = files.sorted().findFirst().orElseThrow();
      }
      byte[] b = Files.readAllBytes(first);
      b[40] ^= 1;
      Files.write(first, b);
      assertThatThrownBy(() -> reopen().replay(0, x -> { }))
          .isInstanceOf(IOException.class).hasMessageContaining("corrupt");
    }

    private List<Long> replayedStarts(dev.cairn.log.storage.embedded.SequenceLog l)
        throws IOException {
      List<Long> out = new java.util.ArrayList<>();
      l.replay(0, x -> out.add(x.start()));
      return out;
    }
  }

  @Nested
  class Checkpoints extends CheckpointStoreContract {
    @Override
    protected CheckpointStore store() throws IOException {
      return new LocalCheckpointStore(dir.resolve("checkpoint"), dir.resolve(".tmp"));
    }

    @Override
    protected CheckpointStore reopen() throws IOException {
      return store();
    }
  }

  abstract static class WithIndex {
    RocksIndex index;

    RocksIndex open(Path at) throws IOException {
      if (index != null) {
        index.close();
      }
      index = RocksIndex.open(at);
      return index;
    }

    @AfterEach
    void close() {
      if (index != null) {
        index.close();
      }
    }
  }

  @Nested
  class History extends HistoryStoreContract {
    final WithIndex idx = new WithIndex() {};

    @Override
    protected HistoryStore history() throws IOException {
      return idx.open(dir.resolve("index")).history();
    }

    @Override
    protected HistoryStore reopen() throws IOException {
      return history();
    }

    @AfterEach
    void close() {
      idx.close();
    }
  }

  @Test
  void aSecondProcessCannotTakeTheLock() throws IOException {
    try (DataDirLock lock = DataDirLock.acquire(dir)) {
      assertThatThrownBy(() -> DataDirLock.acquire(dir)).isInstanceOf(IOException.class)
          .hasMessageContaining("another cairn process is using");
    }
    DataDirLock.acquire(dir).close();
  }
}
