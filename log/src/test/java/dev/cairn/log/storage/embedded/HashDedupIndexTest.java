package dev.cairn.log.storage.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.log.testing.Poll;
import dev.cairn.log.testing.ScratchMount;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** The hash-table dedup index: its contract, its growth, and what crashes leave of it. */
class HashDedupIndexTest {
  @TempDir Path dir;
  private final List<HashDedupIndex> opened = new ArrayList<>();
  private ScratchMount mount;

  @AfterEach
  void closeAll() throws IOException {
    opened.forEach(HashDedupIndex::close);
    if (mount != null) {
      mount.close();
    }
  }

  /** The leaf hash the tests give entry {@code i}. */
  static Hash key(long i) {
    byte[] b = new byte[8];
    for (int j = 0; j < 8; j++) {
      b[j] = (byte) (i >>> (8 * j));
    }
    return Hasher.threadLocal().leaf(b);
  }

  /** Mappings of entries {@code from} (inclusive) to {@code to} to their own indices. */
  static List<DedupIndex.Mapping> mappings(long from, long to) {
    List<DedupIndex.Mapping> ms = new ArrayList<>();
    for (long i = from; i < to; i++) {
      ms.add(new DedupIndex.Mapping(key(i), i));
    }
    return ms;
  }

  private HashDedupIndex open() throws IOException {
    return open(dir.resolve("dedup"));
  }

  private HashDedupIndex open(Path at) throws IOException {
    HashDedupIndex index = HashDedupIndex.open(at);
    opened.add(index);
    return index;
  }

  /** An index only the test syncs (and its close). */
  private HashDedupIndex openUnsynced(Path at) throws IOException {
    HashDedupIndex index = HashDedupIndex.open(at, false);
    opened.add(index);
    return index;
  }

  private HashDedupIndex readOnly() throws IOException {
    HashDedupIndex index = HashDedupIndex.openReadOnly(dir.resolve("dedup"));
    opened.add(index);
    return index;
  }

  /** A copy of the index's files as they are now, as a crash (or a lost machine) leaves them. */
  private Path crashCopy() throws IOException {
    return crashCopy(dir.resolve("dedup"));
  }

  private Path crashCopy(Path from) throws IOException {
    Path copy = dir.resolve("copy-" + System.nanoTime());
    Files.createDirectories(copy);
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : files.toList()) {
        try {
          Files.copy(f, copy.resolve(f.getFileName()));
        } catch (java.nio.file.NoSuchFileException renamedMeanwhile) {
          // a doubling's file, which the index's syncing thread renamed in
        }
      }
    }
    return copy;
  }

  /** Asserts that {@code index} maps each entry below {@code size} to its own index. */
  private static void assertHoldsExactly(DedupIndex index, long size) throws IOException {
    List<Hash> keys = new ArrayList<>();
    for (long i = 0; i < size + 100; i++) {
      keys.add(key(i));
    }
    Map<Hash, Long> found = index.lookup(keys);
    assertThat(found).hasSize((int) size);
    for (long i = 0; i < size; i++) {
      assertThat(found.get(key(i))).as("entry %d", i).isEqualTo(i);
    }
  }

  /** Makes an index of entries 0 to {@code size}, closes it, and returns its meta file. */
  private Path closedIndexMeta(long size) throws IOException {
    HashDedupIndex index = open();
    index.add(mappings(0, size), size);
    index.close();
    return dir.resolve("dedup").resolve("meta");
  }

  private long partitionBytes() throws IOException {
    return partitionBytes(dir.resolve("dedup"));
  }

  private static long partitionBytes(Path of) throws IOException {
    try (Stream<Path> files = Files.list(of)) {
      long total = 0;
      for (Path f : files.filter(f -> f.getFileName().toString().matches("p\\d{3}")).toList()) {
        total += Files.size(f);
      }
      return total;
    }
  }

  @Nested
  class Contract extends DedupIndexContract {
    @Override
    protected DedupIndex index() throws IOException {
      return open();
    }

    @Override
    protected DedupIndex reopen() throws IOException {
      opened.forEach(HashDedupIndex::close);
      return open();
    }
  }

  @Test
  void partitionsDoubleAsTheyFillAndKeepEveryMapping() throws IOException {
    HashDedupIndex index = open();
    long empty = partitionBytes();
    assertThat(empty).isEqualTo((long) HashDedupIndex.PARTITIONS * HashDedupIndex.SLOT
        << HashDedupIndex.MIN_BITS);
    for (long from = 0; from < 150_000; from += 1_000) {
      index.add(mappings(from, from + 1_000), from + 1_000);
    }
    assertThat(index.watermark()).isEqualTo(150_000);
    assertHoldsExactly(index, 150_000);
    index.close();
    assertThatThrownBy(() -> index.lookup(List.of(key(1)))).isInstanceOf(IOException.class)
        .hasMessageContaining("is closed");
    long grown = partitionBytes();
    // At most the highest threshold's load (0.70), at least half of it after a doubling.
    assertThat(grown).isBetween(150_000L * HashDedupIndex.SLOT * 100 / 70,
        150_000L * HashDedupIndex.SLOT * 2 * 100 / 55);
    assertThat(doublingFiles()).as("every doubling renamed in by the close's sync").isEmpty();
    assertHoldsExactly(open(), 150_000);
  }

  @Test
  void anIndexBuiltInMemoryIsWrittenOutWhenClosed() throws IOException {
    HashDedupIndex built = HashDedupIndex.build(dir.resolve("dedup"));
    for (long from = 0; from < 100_000; from += 5_000) {
      built.add(mappings(from, from + 5_000), from + 5_000);
    }
    assertHoldsExactly(built, 100_000);
    assertThat(partitionBytes()).as("nothing written before the close")
        .isEqualTo((long) HashDedupIndex.PARTITIONS * HashDedupIndex.SLOT
            << HashDedupIndex.MIN_BITS);
    built.close();
    HashDedupIndex opened = open();
    assertThat(opened.watermark()).isEqualTo(100_000);
    assertHoldsExactly(opened, 100_000);
    assertThat(HashDedupIndex.fitsInMemory(1_000)).isTrue();
    assertThat(HashDedupIndex.fitsInMemory(Long.MAX_VALUE / 1_000)).isFalse();
  }

  @Test
  void aReserveSizesThePartitionsSoThatAddingThatManyDoublesNone() throws IOException {
    HashDedupIndex index = open();
    index.reserve(100_000);
    index.close();
    long reserved = partitionBytes();
    assertThat(reserved).isBetween(100_000L * HashDedupIndex.SLOT * 100 / 70,
        4 * 100_000L * HashDedupIndex.SLOT).isEqualTo(HashDedupIndex.reservedBytes(100_000));
    assertThat(doublingFiles()).isEmpty();

    HashDedupIndex filled = open();
    for (long from = 0; from < 100_000; from += 1_000) {
      filled.add(mappings(from, from + 1_000), from + 1_000);
    }
    filled.reserve(1_000); // smaller than what the partitions hold: changes nothing
    filled.close();
    assertThat(partitionBytes()).as("no partition doubled").isEqualTo(reserved);
    assertHoldsExactly(open(), 100_000);

    HashDedupIndex built = HashDedupIndex.build(dir.resolve("built"));
    built.reserve(100_000);
    for (long from = 0; from < 100_000; from += 5_000) {
      built.add(mappings(from, from + 5_000), from + 5_000);
    }
    built.close();
    assertThat(partitionBytes(dir.resolve("built"))).as("in memory too").isEqualTo(reserved);
    assertHoldsExactly(open(dir.resolve("built")), 100_000);
  }

  /**
   * A reserve's tables jump several sizes at once and hold few keys yet: their pages are left to
   * the stores that put keys on them, not all made resident at once (a restore's reservation at
   * 100 M entries is 10.7 GB).
   */
  @Test
  void aReserveMakesNoPageResidentThatHoldsNoKey() throws IOException {
    HashDedupIndex index = openUnsynced(dir.resolve("dedup"));
    index.add(mappings(0, 100), 100);
    index.reserve(1_000_000);
    assertThat(index.copiedBytes()).as("the pages of the 100 keys' slots, at most")
        .isLessThanOrEqualTo(100L * 2 * 4096)
        .isLessThan(HashDedupIndex.reservedBytes(1_000_000) / 10);
    assertHoldsExactly(index, 100);
  }

  @Test
  void aReadOnlyViewRefusesAReserve() throws IOException {
    open().add(mappings(0, 10), 10);
    HashDedupIndex view = readOnly();
    long before = partitionBytes();
    assertThatThrownBy(() -> view.reserve(1_000_000))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("reading only");
    assertThat(partitionBytes()).isEqualTo(before);
    assertThat(doublingFiles()).isEmpty();
  }

  @Test
  void anIndexBuiltInMemoryAndNeverClosedIsEmpty() throws IOException {
    HashDedupIndex built = HashDedupIndex.build(dir.resolve("dedup"));
    built.add(mappings(0, 5_000), 5_000);
    HashDedupIndex after = open(crashCopy());
    assertThat(after.watermark()).isZero();
    assertThat(after.lookup(List.of(key(1)))).isEmpty();
    built.close();
  }

  @Test
  void thresholdsDifferPerPartitionSoDoublingsSpreadOut() {
    assertThat(HashDedupIndex.threshold(0, 10)).isEqualTo((long) (0.55 * 1024));
    assertThat(HashDedupIndex.threshold(255, 10)).isEqualTo((long) (0.70 * 1024));
    assertThat(HashDedupIndex.threshold(128, 10)).isStrictlyBetween(
        HashDedupIndex.threshold(0, 10), HashDedupIndex.threshold(255, 10));
  }

  @Test
  void anIndexNotClosedIsTrustedUpToItsLastSync() throws IOException {
    HashDedupIndex index = open();
    index.add(mappings(0, 30_000), 30_000);
    index.sync(false);
    // Past the sync, most partitions double (at 0.55-0.70 of 2 x 128 slots, ~36-45 k keys).
    index.add(mappings(30_000, 80_000), 80_000);
    HashDedupIndex after = open(crashCopy());
    assertThat(after.watermark()).isEqualTo(30_000);
    assertHoldsExactly(after, 30_000);
    after.add(mappings(30_000, 90_000), 90_000);
    assertHoldsExactly(after, 90_000);
    after.close();
    assertThat(open(after.dir()).watermark()).as("closed cleanly").isEqualTo(90_000);
  }

  /**
   * A round cut short (by a stop whose timeout ran out, or a failure) still counts for the
   * partitions it synced, doublings renamed in included: the index is trusted up to its last
   * whole round, but it holds the rest of those partitions' keys, so a catch-up need not add
   * them again. Partitions the round did not reach are trusted for nothing past the last whole
   * round. Once the watermark passes what was held, it is forgotten.
   */
  @Test
  void aRoundCutShortCountsForThePartitionsItSynced() throws Exception {
    HashDedupIndex index = openUnsynced(dir.resolve("dedup"));
    index.add(mappings(0, 30_000), 30_000);
    index.sync(false);
    index.add(mappings(30_000, 50_000), 50_000); // every partition doubles once
    index.syncFirst(100);

    HashDedupIndex after = open(crashCopy());
    assertThat(after.watermark()).isEqualTo(30_000);
    assertHoldsExactly(after, 30_000);
    List<DedupIndex.Mapping> lacking = new ArrayList<>();
    List<DedupIndex.Mapping> held = new ArrayList<>();
    for (DedupIndex.Mapping m : mappings(30_000, 50_000)) {
      byte[] k = m.leafHash().toByteArray();
      boolean synced = (k[0] & 0xff) < 100;
      assertThat(after.holds(k, 0, m.index())).as("entry %d", m.index()).isEqualTo(synced);
      assertThat(after.holds(k, 0, 50_000)).isFalse();
      (synced ? held : lacking).add(m);
    }
    assertThat(lacking).hasSizeBetween(11_000, 13_000);
    // What the partitions hold is in their files: adding the rest is enough.
    after.add(lacking, 50_000);
    assertHoldsExactly(after, 50_000);
    assertThat(held).noneMatch(m -> after.holds(m.leafHash().toByteArray(), 0, m.index()));
    after.close();
    HashDedupIndex clean = open(after.dir());
    for (DedupIndex.Mapping m : mappings(50_000, 50_500)) {
      assertThat(clean.holds(m.leafHash().toByteArray(), 0, m.index()))
          .as("an index closed cleanly holds nothing above its watermark").isFalse();
    }
  }

  /**
   * An index written before partitions recorded their own synced watermarks (version 1, a
   * 4 KiB {@code meta}) is read as it is and upgraded by the writer, not rebuilt; a version this
   * build does not know is.
   */
  @Test
  void aVersion1IndexIsUpgradedNotRebuilt() throws IOException {
    Path meta = closedIndexMeta(5_000);
    byte[] v1 = java.util.Arrays.copyOf(Files.readAllBytes(meta), 4096);
    java.nio.ByteBuffer.wrap(v1).putInt(8, 1);
    Files.write(meta, v1);
    assertHoldsExactly(readOnly(), 5_000);
    assertThat(Files.size(meta)).as("a reader changes nothing").isEqualTo(4096);

    HashDedupIndex upgraded = open();
    assertThat(Files.size(meta)).isEqualTo(8192);
    assertThat(java.nio.ByteBuffer.wrap(Files.readAllBytes(meta)).getInt(8)).isEqualTo(2);
    assertHoldsExactly(upgraded, 5_000);
    upgraded.close();
    assertHoldsExactly(open(), 5_000);

    opened.forEach(HashDedupIndex::close);
    byte[] v3 = Files.readAllBytes(meta);
    java.nio.ByteBuffer.wrap(v3).putInt(8, 3);
    Files.write(meta, v3);
    assertThat(open().watermark()).isZero();
  }

  /**
   * The writer's stores stay in its memory until a sync writes them: the kernel does not write
   * a busy table back on its own (with a shared mapping it did, without pause once the table
   * outgrew its dirty-page threshold).
   */
  @Test
  void storesReachTheFilesOnlyThroughASync() throws IOException {
    HashDedupIndex index = openUnsynced(dir.resolve("dedup"));
    index.add(mappings(0, 60), 60); // too few for any partition to double
    assertThat(slotsInFiles()).as("before the sync").isZero();
    assertHoldsExactly(index, 60);
    index.sync(false);
    assertThat(slotsInFiles()).as("after the sync").isEqualTo(60);
    index.add(mappings(60, 100), 100);
    assertThat(slotsInFiles()).isEqualTo(60);
    index.sync(false);
    assertThat(slotsInFiles()).isEqualTo(100);
  }

  /**
   * A doubling costs the writer no wait for the disk: its new file is written, synced and
   * renamed over the partition's by the next sync. Until then the partition's file holds what
   * the last sync covered, which is what a crash leaves; a partition that doubles twice
   * meanwhile keeps one new file, the latest.
   */
  @Test
  void theSyncAfterADoublingWritesItAndRenamesItIn() throws IOException {
    HashDedupIndex index = openUnsynced(dir.resolve("dedup"));
    index.add(mappings(0, 20_000), 20_000);
    index.sync(false);
    Map<String, Long> before = partitionSizes();
    index.add(mappings(20_000, 120_000), 120_000);
    assertThat(partitionSizes()).as("the old files, until a sync").isEqualTo(before);
    Map<String, Long> pending = new java.util.TreeMap<>();
    for (String f : doublingFiles()) {
      assertThat(f).matches("p\\d{3}\\.\\d+\\.tmp");
      pending.put(f.substring(0, 4), Files.size(dir.resolve("dedup").resolve(f)));
    }
    assertThat(pending).as("one new file per partition").hasSize(HashDedupIndex.PARTITIONS);
    HashDedupIndex crashed = open(crashCopy());
    assertThat(crashed.watermark()).isEqualTo(20_000);
    assertHoldsExactly(crashed, 20_000);

    index.sync(false);
    assertThat(doublingFiles()).isEmpty();
    Map<String, Long> after = partitionSizes();
    int doublings = 0;
    for (String p : before.keySet()) {
      long size = after.get(p);
      assertThat(size).as(p).isEqualTo(pending.get(p));
      doublings += Long.numberOfTrailingZeros(size / before.get(p));
    }
    assertThat(doublings).as("some partitions doubled twice").isGreaterThan(pending.size());
    HashDedupIndex synced = open(crashCopy());
    assertThat(synced.watermark()).isEqualTo(120_000);
    assertHoldsExactly(synced, 120_000);
  }

  private Map<String, Long> partitionSizes() throws IOException {
    Map<String, Long> sizes = new java.util.TreeMap<>();
    for (int p = 0; p < HashDedupIndex.PARTITIONS; p++) {
      Path f = dir.resolve("dedup").resolve(String.format("p%03d", p));
      sizes.put(f.getFileName().toString(), Files.size(f));
    }
    return sizes;
  }

  /** The names of the doublings' files not yet renamed in. */
  private List<String> doublingFiles() throws IOException {
    try (Stream<Path> files = Files.list(dir.resolve("dedup"))) {
      return files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".tmp"))
          .sorted().toList();
    }
  }

  /**
   * A directory where no file can be made or renamed ({@code chattr +i}): a doubling cannot
   * make its file, so its add fails and changes nothing; a sync cannot rename the doublings made
   * before in, so it records nothing; once it can, the next sync does.
   */
  @Test
  void aDoublingThatCannotBeMadeOrRenamedInIsRetried() throws IOException {
    Path at = ext4().resolve("dedup");
    HashDedupIndex index = openUnsynced(at);
    index.add(mappings(0, 20_000), 20_000);
    index.sync(false);
    index.add(mappings(20_000, 60_000), 60_000); // the doublings' files are made
    chattr("+i", at);
    try {
      assertThatThrownBy(() -> index.add(mappings(60_000, 120_000), 120_000))
          .isInstanceOf(IOException.class).hasMessageContaining(".tmp");
      assertHoldsExactly(index, 60_000);
      assertThatThrownBy(() -> index.sync(false)).isInstanceOf(IOException.class);
      assertThat(open(crashCopy(at)).watermark()).as("the failed sync recorded nothing")
          .isEqualTo(20_000);
    } finally {
      chattr("-i", at);
    }
    index.sync(false);
    HashDedupIndex after = open(crashCopy(at));
    assertThat(after.watermark()).isEqualTo(60_000);
    assertHoldsExactly(after, 60_000);
    index.add(mappings(60_000, 120_000), 120_000);
    assertHoldsExactly(index, 120_000);
    index.close();
    try (Stream<Path> files = Files.list(at)) {
      assertThat(files.map(f -> f.getFileName().toString())).noneMatch(f -> f.endsWith(".tmp"));
    }
    assertHoldsExactly(open(at), 120_000);
  }

  /**
   * A nearly full ext4 volume: a doubling's file is sparse, so the adds go on, and it is the
   * sync that fails (ENOSPC), records nothing and is counted; once there is room the next sync
   * writes everything, and a crash after it loses nothing.
   */
  @Test
  void onAFullExt4VolumeTheSyncFailsNotTheAddsAndLosesNothing() throws IOException {
    Path fs = ext4();
    Path at = fs.resolve("dedup");
    HashDedupIndex index = openUnsynced(at);
    index.add(mappings(0, 20_000), 20_000);
    index.sync(false);
    Path filler = LocalStoresDiskFaultTest.fillUp(fs.resolve("filler"));
    try (RandomAccessFile f = new RandomAccessFile(filler.toFile(), "rw")) {
      f.setLength(f.length() - (256 << 10)); // room for names, not for the tables' pages
    }
    index.add(mappings(20_000, 120_000), 120_000); // every partition doubles, twice or more
    assertHoldsExactly(index, 120_000);
    assertThatThrownBy(() -> index.sync(false)).isInstanceOf(IOException.class)
        .hasMessageContaining("No space left on device");
    assertThat(index.syncFailures()).isEqualTo(1);
    assertThat(open(crashCopy(at)).watermark()).as("the failed sync recorded nothing")
        .isEqualTo(20_000);
    Files.delete(filler);
    index.sync(false);
    HashDedupIndex after = open(crashCopy(at));
    assertThat(after.watermark()).isEqualTo(120_000);
    assertHoldsExactly(after, 120_000);
  }

  /** A scratch ext4 file system on a loop device, mounted for the test (which needs root). */
  private Path ext4() throws IOException {
    mount = ScratchMount.ext4OnLoop(dir.resolve("fs"), dir.resolve("fs.img"), 64L << 20,
        "continue");
    return mount.path();
  }

  private static void chattr(String flag, Path path) throws IOException {
    try {
      Process p = new ProcessBuilder("chattr", flag, path.toString()).redirectErrorStream(true)
          .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor()).as("chattr %s %s: %s", flag, path, out).isZero();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  /** How many slots of the partition files, read as files, hold a key. */
  private long slotsInFiles() throws IOException {
    long n = 0;
    for (int p = 0; p < HashDedupIndex.PARTITIONS; p++) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(
          Files.readAllBytes(dir.resolve("dedup").resolve(String.format("p%03d", p))));
      for (int at = 0; at < b.capacity(); at += HashDedupIndex.SLOT) {
        n += b.getLong(at) != 0 ? 1 : 0;
      }
    }
    return n;
  }

  /**
   * A disk that fails the writes of a sync (EIO): the index goes on answering from memory, the
   * failed sync records nothing, and the next one, once the disk works, writes what the failed
   * one could not, so a crash after it loses nothing below its watermark.
   */
  @Test
  void aSyncThatFailsLosesNothingAndTheNextWritesWhatItMissed() throws IOException {
    Path at = ext4().resolve("dedup");
    HashDedupIndex index = openUnsynced(at);
    index.add(mappings(0, 20_000), 20_000);
    index.sync(false);
    index.add(mappings(20_000, 20_500), 20_500); // no partition doubles
    mount.failWrites();
    assertThatThrownBy(() -> index.sync(false)).isInstanceOf(IOException.class);
    assertThat(index.syncFailures()).isEqualTo(1);
    assertHoldsExactly(index, 20_500);
    assertThat(open(crashCopy(at)).watermark()).as("the failed sync recorded nothing")
        .isEqualTo(20_000);
    mount.healWrites();
    index.sync(false);
    // What the disk holds, not the page cache (which kept the failed pages' bytes).
    Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
    HashDedupIndex after = open(crashCopy(at));
    assertThat(after.watermark()).isEqualTo(20_500);
    assertHoldsExactly(after, 20_500);
  }

  /**
   * Past its memory budget, a sync maps each partition it synced afresh, freeing the pages the
   * writer's stores copied into memory; nothing is lost, in memory or on the disk.
   */
  @Test
  void pastItsMemoryBudgetASyncFreesTheCopiedPages() throws IOException {
    HashDedupIndex index = openUnsynced(dir.resolve("dedup"));
    index.add(mappings(0, 30_000), 30_000);
    assertThat(index.copiedBytes()).as("pages copied by stores").isPositive();
    index.sync(false);
    long kept = index.copiedBytes();
    assertThat(kept).as("within the budget, kept").isPositive();
    index.memoryBudget(0);
    index.add(mappings(30_000, 31_000), 31_000);
    index.sync(false);
    assertThat(index.copiedBytes()).as("past the budget, freed").isZero();
    assertHoldsExactly(index, 31_000);
    index.add(mappings(31_000, 40_000), 40_000);
    assertHoldsExactly(index, 40_000);
    index.sync(false);
    HashDedupIndex after = open(crashCopy());
    assertThat(after.watermark()).isEqualTo(40_000);
    assertHoldsExactly(after, 40_000);
  }

  /**
   * Within its memory budget a doubling's table is made in anonymous memory (which the kernel
   * can back with huge pages), past it mapped from its file; a sync past the budget maps the
   * anonymous ones from their files too; nothing is lost, in memory or on the disk.
   */
  @Test
  void aDoublingsTableIsInMemoryWithinTheBudgetAndMappedFromItsFilePastIt() throws IOException {
    HashDedupIndex index = openUnsynced(dir.resolve("dedup"));
    index.add(mappings(0, 30_000), 30_000);
    int doubled = index.tablesInMemory();
    assertThat(doubled).as("partitions doubled into memory").isGreaterThan(200);
    index.sync(false);
    assertThat(index.tablesInMemory()).as("within the budget, kept").isEqualTo(doubled);
    index.memoryBudget(0);
    index.add(mappings(30_000, 60_000), 60_000);
    assertThat(index.tablesInMemory()).as("doubled again past the budget: from their files")
        .isLessThan(doubled / 4);
    assertHoldsExactly(index, 60_000);
    index.sync(false);
    assertThat(index.tablesInMemory()).as("the sync past the budget maps them").isZero();
    assertThat(index.copiedBytes()).isZero();
    assertHoldsExactly(index, 60_000);
    HashDedupIndex after = open(crashCopy());
    assertThat(after.watermark()).isEqualTo(60_000);
    assertHoldsExactly(after, 60_000);
  }

  /** Fills the index with 100,000 entries and closes it: its tables, 2,560 pages, on the disk. */
  private void closedWith100000Entries() throws IOException {
    HashDedupIndex first = open();
    first.add(mappings(0, 100_000), 100_000);
    first.close();
  }

  /**
   * Once started (the log starts it when it has opened), the writer's tables are copied into
   * memory in the background (a page's first store would otherwise fault on the writer's path),
   * and adds meanwhile lose nothing.
   */
  @Test
  void onceStartedTheTablesAreCopiedIntoMemoryAndAddsMeanwhileLoseNothing() throws IOException {
    closedWith100000Entries();
    long tables = partitionBytes();
    HashDedupIndex index = open();
    index.add(mappings(100_000, 100_001), 100_001);
    assertThat(index.copiedBytes()).as("not before it is started: the add's slot's pages only")
        .isLessThanOrEqualTo(2 * 4096);
    index.warmInBackground();
    // Adds beside the copying, of at most 1,000 entries: they copy far fewer pages than the
    // tables' (2,560), so it is the copying that copies them.
    long size = 100_001;
    while (size < 101_000 && index.copiedBytes() < tables / 2) {
      index.add(mappings(size, size + 1), ++size);
    }
    long added = size;
    Poll.until("the tables copied", java.time.Duration.ofSeconds(60),
        () -> index.copiedBytes() >= tables);
    assertThat(index.tablesInMemory()).as("read into memory").isEqualTo(HashDedupIndex.PARTITIONS);
    assertHoldsExactly(index, added);
    index.sync(false);
    assertHoldsExactly(open(crashCopy()), added);
    index.close();
    assertHoldsExactly(open(), added);
  }

  /**
   * The copy into memory puts no table in place while a sync round holds the one it replaces
   * (the round would write the old table's pages over the new one's stores), but after it.
   */
  @Test
  void theCopyIntoMemoryWaitsForARoundHoldingTheTable() throws IOException {
    closedWith100000Entries();
    HashDedupIndex index = open(); // syncing: only such an index copies itself into memory
    Runnable release = index.holdAsARound(HashDedupIndex.PARTITIONS - 1); // the last one copied
    index.warmInBackground();
    // The index's own first round may hold a partition at the start too: the copy waits for it.
    Poll.until("the copy waiting for the round", java.time.Duration.ofSeconds(60),
        () -> index.copyWaitedFor() == HashDedupIndex.PARTITIONS - 1);
    assertThat(index.tablesInMemory()).isEqualTo(HashDedupIndex.PARTITIONS - 1);
    index.add(mappings(100_000, 101_000), 101_000);
    release.run();
    Poll.until("the last table copied", java.time.Duration.ofSeconds(60),
        () -> index.tablesInMemory() == HashDedupIndex.PARTITIONS);
    index.add(mappings(101_000, 102_000), 102_000);
    assertHoldsExactly(index, 102_000);
    index.sync(false);
    assertHoldsExactly(open(crashCopy()), 102_000);
  }

  /** The copy into memory stops short of the memory budget; what it left mapped loses nothing. */
  @Test
  void theCopyIntoMemoryStopsShortOfTheBudget() throws IOException {
    closedWith100000Entries();
    long tables = partitionBytes();
    HashDedupIndex index = open();
    index.add(mappings(100_000, 100_100), 100_100); // stored to mapped pages, not yet synced
    index.memoryBudget(tables / 2);
    index.warmInBackground();
    Poll.until("the copy stopped", java.time.Duration.ofSeconds(60),
        () -> index.copiedBytes() >= tables / 2 - tables / 32 - 64 * 4096);
    assertThat(index.copiedBytes()).isLessThan(tables / 2);
    assertThat(index.tablesInMemory()).isBetween(1, HashDedupIndex.PARTITIONS - 1);
    assertHoldsExactly(index, 100_100);
    index.add(mappings(100_100, 102_000), 102_000);
    index.sync(false);
    assertHoldsExactly(open(crashCopy()), 102_000);
  }

  /**
   * A table partly copied already (the pages stored to since it was mapped) gives those pages
   * back when it is read into memory whole: a budget that holds every table whole holds them
   * all, the copied pages not counted twice.
   */
  @Test
  void theCopyIntoMemoryCountsATablesCopiedPagesOnce() throws IOException {
    closedWith100000Entries();
    long tables = partitionBytes();
    HashDedupIndex index = open();
    index.add(mappings(100_000, 101_000), 101_000); // copies pages of most partitions' mappings
    assertThat(index.copiedBytes()).isPositive();
    index.memoryBudget(tables * 16 / 15 + 16); // its sixteenth kept free, the rest fits all
    index.warmInBackground();
    Poll.until("every table in memory", java.time.Duration.ofSeconds(60),
        () -> index.tablesInMemory() == HashDedupIndex.PARTITIONS);
    assertThat(index.copiedBytes()).isEqualTo(tables);
    assertHoldsExactly(index, 101_000);
  }

  @Test
  void anIndexNeverSyncedIsTrustedForNothing() throws IOException {
    HashDedupIndex index = open();
    index.add(mappings(0, 5_000), 5_000);
    HashDedupIndex after = open(crashCopy());
    assertThat(after.watermark()).isZero();
    assertThat(after.lookup(List.of(key(1), key(4_999)))).isEmpty();
    after.add(mappings(0, 5_000), 5_000);
    assertHoldsExactly(after, 5_000);
  }

  /**
   * Partition counts lost with the pages after a sync: the probes, not the counts, then say
   * when a partition is full, and it doubles instead of filling up.
   */
  @Test
  void lostCountsDoNotOverfillAPartition() throws IOException {
    Path meta = closedIndexMeta(10_000);
    try (RandomAccessFile f = new RandomAccessFile(meta.toFile(), "rw")) {
      f.seek(1024);
      f.write(new byte[8 * HashDedupIndex.PARTITIONS]);
    }
    HashDedupIndex after = open();
    assertThat(after.watermark()).isEqualTo(10_000);
    after.add(mappings(10_000, 100_000), 100_000);
    assertHoldsExactly(after, 100_000);
  }

  /**
   * A partition whose count was lost can fill to its last slot before its count says to double:
   * a lookup of an absent key then stops at the probe limit (it used to go round forever), and
   * the next key finds no slot and doubles the partition.
   */
  @Test
  void aPartitionFilledToItsLastSlotStillAnswersAndThenDoubles() throws Exception {
    List<Hash> zero = new ArrayList<>();
    for (long i = 0; zero.size() < 300; i++) {
      if (key(i).toByteArray()[0] == 0) {
        zero.add(key(i));
      }
    }
    HashDedupIndex index = open();
    index.add(mappingsOf(zero.subList(0, 60), 0), 60);
    index.close();
    try (RandomAccessFile f = new RandomAccessFile(dir.resolve("dedup").resolve("meta")
        .toFile(), "rw")) {
      f.seek(1024);
      f.write(new byte[8]); // partition 0's count
    }
    HashDedupIndex after = open();
    after.add(mappingsOf(zero.subList(60, 128), 60), 128);
    assertThat(Files.size(dir.resolve("dedup").resolve("p000")))
        .as("128 keys in 128 slots, not doubled").isEqualTo(128L * HashDedupIndex.SLOT);
    Map<Hash, Long> found = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
        java.time.Duration.ofSeconds(30), () -> after.lookup(zero));
    assertThat(found).hasSize(128);
    for (int i = 0; i < 128; i++) {
      assertThat(found.get(zero.get(i))).isEqualTo(i);
    }
    after.add(mappingsOf(zero.subList(128, 300), 128), 300);
    after.sync(false); // which renames the doubling's file in
    assertThat(Files.size(dir.resolve("dedup").resolve("p000")))
        .isGreaterThan(128L * HashDedupIndex.SLOT);
    found = after.lookup(zero);
    for (int i = 0; i < 300; i++) {
      assertThat(found.get(zero.get(i))).isEqualTo(i);
    }
  }

  private static List<DedupIndex.Mapping> mappingsOf(List<Hash> keys, long first) {
    List<DedupIndex.Mapping> ms = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      ms.add(new DedupIndex.Mapping(keys.get(i), first + i));
    }
    return ms;
  }

  /** {@code n} keys of partition 0, the first of them {@code key(0)}-style keys in order. */
  private static List<Hash> partitionZeroKeys(int n) {
    List<Hash> zero = new ArrayList<>();
    for (long i = 0; zero.size() < n; i++) {
      if (key(i).toByteArray()[0] == 0) {
        zero.add(key(i));
      }
    }
    return zero;
  }

  private static void assertMapsInOrder(DedupIndex index, List<Hash> keys) throws IOException {
    Map<Hash, Long> found = index.lookup(keys);
    for (int i = 0; i < keys.size(); i++) {
      assertThat(found.get(keys.get(i))).as("key %d", i).isEqualTo(i);
    }
  }

  /** Hooks that hold a doubling made aside before it starts, or once made, until opened. */
  private static final class Gates implements HashDedupIndex.DoublingHooks {
    final java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
    final java.util.concurrent.CountDownLatch made = new java.util.concurrent.CountDownLatch(1);
    final java.util.concurrent.CountDownLatch finish = new java.util.concurrent.CountDownLatch(1);

    @Override
    public void starting() throws InterruptedException {
      start.await();
    }

    @Override
    public void made() throws InterruptedException {
      made.countDown();
      finish.await();
    }
  }

  /**
   * A doubling made aside: the writer goes on adding to the old table, which lookups go on
   * reading, and notes what it adds; the doubling, once made, gets those keys too (replaced
   * indices included), and the next sync renames it in. The old file holds what the last sync
   * covered until then.
   */
  @Test
  void aDoublingMadeAsideGetsWhatWasAddedMeanwhile() throws Exception {
    List<Hash> zero = partitionZeroKeys(108);
    HashDedupIndex index = openUnsynced(dir.resolve("dedup"));
    Gates gates = new Gates();
    index.doubleAside(HashDedupIndex.MIN_BITS, gates);
    // Partition 0 doubles past 70 keys of its 128 slots and waits for the doubling at 108.
    index.add(mappingsOf(zero.subList(0, 60), 0), 60);
    index.sync(false);
    index.add(mappingsOf(zero.subList(60, 80), 60), 80);
    assertThat(index.doublingsAside()).isEqualTo(1);
    gates.start.countDown();
    gates.made.await();
    // Made of the table as it was: what follows reaches it only through the writer's notes.
    index.add(mappingsOf(zero.subList(80, 107), 80), 107);
    // A key added again with a later index (as a catch-up after a crash can).
    index.add(List.of(new DedupIndex.Mapping(zero.get(3), 107)), 108);
    assertThat(index.doublingsAside()).isEqualTo(1);
    Map<Hash, Long> found = index.lookup(zero.subList(0, 107));
    assertThat(found).hasSize(107).containsEntry(zero.get(3), 107L);
    Path p000 = dir.resolve("dedup").resolve("p000");
    assertThat(Files.size(p000)).isEqualTo(128L * HashDedupIndex.SLOT);
    assertThat(open(crashCopy()).watermark()).isEqualTo(60);

    gates.finish.countDown();
    index.settleDoublings();
    assertThat(index.doublingsAside()).isZero();
    assertThat(index.lookup(zero.subList(0, 107))).isEqualTo(found);
    index.sync(false);
    assertThat(Files.size(p000)).isEqualTo(256L * HashDedupIndex.SLOT);
    HashDedupIndex after = open(crashCopy());
    assertThat(after.watermark()).isEqualTo(108);
    assertThat(after.lookup(zero.subList(0, 107))).isEqualTo(found);
  }

  /**
   * Past {@link HashDedupIndex#MAX_LOAD} the writer waits for the doubling being made aside,
   * and then goes on in the doubled table.
   */
  @Test
  void theWriterWaitsForADoublingMadeAsideOnlyPastTheMaximumLoad() throws Exception {
    List<Hash> zero = partitionZeroKeys(300);
    HashDedupIndex index = openUnsynced(dir.resolve("dedup"));
    Gates gates = new Gates();
    gates.finish.countDown();
    index.doubleAside(HashDedupIndex.MIN_BITS, gates);
    index.add(mappingsOf(zero.subList(0, 108), 0), 108);
    assertThat(index.doublingsAside()).isEqualTo(1);
    assertThat(index.waitingForDoubling()).isFalse();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread writer = Thread.ofPlatform().start(() -> {
      try {
        index.add(mappingsOf(zero.subList(108, 300), 108), 300);
      } catch (Throwable t) {
        failure.set(t);
      }
    });
    Poll.until("the writer waits for the doubling", java.time.Duration.ofSeconds(30),
        () -> index.waitingForDoubling() || !writer.isAlive());
    assertThat(index.waitingForDoubling()).as("the writer waits for the doubling").isTrue();
    assertThat(index.watermark()).isEqualTo(108);
    gates.start.countDown();
    writer.join();
    assertThat(failure.get()).isNull();
    index.settleDoublings();
    assertMapsInOrder(index, zero);
    index.close();
    assertMapsInOrder(open(dir.resolve("dedup")), zero);
    assertThat(doublingFiles()).isEmpty();
  }

  /**
   * A close stops the doublings being made aside, waiting for one in progress, and drops them:
   * the old tables hold every key.
   */
  @Test
  void aCloseDropsTheDoublingsMadeAside() throws Exception {
    List<Hash> zero = partitionZeroKeys(100);
    HashDedupIndex index = openUnsynced(dir.resolve("dedup"));
    Gates gates = new Gates();
    gates.start.countDown();
    index.doubleAside(HashDedupIndex.MIN_BITS, gates);
    index.add(mappingsOf(zero, 0), 100);
    gates.made.await();
    assertThat(index.doublingsAside()).isEqualTo(1);
    Thread closer = Thread.ofPlatform().start(index::close);
    Poll.until("the close waits for the doubling", java.time.Duration.ofSeconds(30),
        () -> closer.getState() == Thread.State.WAITING || !closer.isAlive());
    assertThat(closer.isAlive()).as("the close waits for the doubling").isTrue();
    gates.finish.countDown();
    closer.join();
    assertThat(doublingFiles()).isEmpty();
    HashDedupIndex after = open(dir.resolve("dedup"));
    assertThat(after.watermark()).isEqualTo(100);
    assertMapsInOrder(after, zero);
  }

  /**
   * Past its memory budget a sync maps each partition afresh, retiring the table it synced, but
   * not one a doubling aside is copying: that table's pages the process never stored to are the
   * page cache's, which the next round would write the fresh table's stores to. Once the
   * doubling is in place, its table is remapped as any other.
   */
  @Test
  void aSyncLeavesATableBeingDoubledAsideAsItIs() throws Exception {
    List<Hash> zero = partitionZeroKeys(100);
    HashDedupIndex index = openUnsynced(dir.resolve("dedup"));
    index.memoryBudget(0);
    Gates gates = new Gates();
    gates.finish.countDown();
    index.doubleAside(HashDedupIndex.MIN_BITS, gates);
    index.add(mappingsOf(zero, 0), 100);
    assertThat(index.doublingsAside()).isEqualTo(1);
    long copied = index.copiedBytes();
    assertThat(copied).isPositive();
    index.sync(false);
    assertThat(index.copiedBytes()).as("not remapped").isEqualTo(copied);
    gates.start.countDown();
    index.settleDoublings();
    assertMapsInOrder(index, zero);
    index.sync(false);
    assertThat(index.copiedBytes()).as("remapped").isZero();
    HashDedupIndex after = open(crashCopy());
    assertThat(after.watermark()).isEqualTo(100);
    assertMapsInOrder(after, zero);
  }

  @Test
  void aDamagedIndexIsDiscardedNotTrusted() throws IOException {
    HashDedupIndex index = open();
    index.add(mappings(0, 1_000), 1_000);
    index.close();
    Path partition = dir.resolve("dedup").resolve("p017");
    try (RandomAccessFile f = new RandomAccessFile(partition.toFile(), "rw")) {
      f.setLength(0); // as ext4 leaves a file whose data never reached the disk
    }
    HashDedupIndex again = open();
    assertThat(again.watermark()).isZero();
    again.add(mappings(0, 1_000), 1_000);
    again.close();
    assertThat(open().watermark()).isEqualTo(1_000);

    opened.forEach(HashDedupIndex::close);
    Files.write(dir.resolve("dedup").resolve("meta"), new byte[] {1, 2, 3});
    assertThat(open().watermark()).isZero();
  }

  @Test
  void aReadOnlyViewSeesTheIndexAsOfItsOpeningWhileTheWriterGoesOn() throws IOException {
    HashDedupIndex writer = open();
    writer.add(mappings(0, 20_000), 20_000);
    writer.sync(false);
    HashDedupIndex reader = readOnly();
    // The writer doubles most partitions after the reader mapped them.
    writer.add(mappings(20_000, 120_000), 120_000);
    assertThat(reader.watermark()).isEqualTo(20_000);
    assertHoldsExactly(reader, 20_000);
    assertThatThrownBy(() -> reader.add(mappings(0, 1), 1))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("reading only");
    assertHoldsExactly(readOnly(), 20_000);
    writer.sync(false);
    assertHoldsExactly(readOnly(), 120_000);
  }

  @Test
  void aReadOnlyViewOfADamagedIndexIsEmpty() throws IOException {
    HashDedupIndex index = open();
    index.add(mappings(0, 100), 100);
    index.close();
    Files.delete(dir.resolve("dedup").resolve("p200"));
    HashDedupIndex reader = readOnly();
    assertThat(reader.watermark()).isZero();
    assertThat(reader.lookup(List.of(key(5)))).isEmpty();
    assertThatThrownBy(() -> HashDedupIndex.openReadOnly(dir.resolve("none")))
        .isInstanceOf(IOException.class).hasMessageContaining("no dedup index");
  }

  @ParameterizedTest(name = "doublings made aside: {0}")
  @ValueSource(booleans = {false, true})
  void lookupsDuringAddsAndDoublingsNeverAnswerWrongly(boolean aside) throws Exception {
    HashDedupIndex index = open();
    if (aside) {
      index.doubleAside(HashDedupIndex.MIN_BITS, null);
    }
    AtomicBoolean done = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    long[] checks = {0};
    Thread reader = Thread.ofPlatform().start(() -> {
      try {
        while (!done.get()) {
          long below = index.watermark();
          List<Hash> keys = new ArrayList<>();
          for (long i = Math.max(0, below - 500); i < below + 500; i++) {
            keys.add(key(i));
          }
          Map<Hash, Long> found = index.lookup(keys);
          for (long i = Math.max(0, below - 500); i < below; i++) {
            assertThat(found.get(key(i))).as("entry %d below %d", i, below).isEqualTo(i);
          }
          found.forEach((h, i) -> assertThat(key(i)).isEqualTo(h));
          checks[0]++;
        }
      } catch (Throwable t) {
        failure.set(t);
      }
    });
    for (long from = 0; from < 100_000 && failure.get() == null; from += 250) {
      index.add(mappings(from, from + 250), from + 250);
    }
    done.set(true);
    reader.join();
    assertThat(failure.get()).isNull();
    assertThat(checks[0]).isPositive();
  }

  /**
   * A full disk stops a partition from doubling: the add fails with the file system's error,
   * and the index goes on answering and, once there is room, taking adds.
   */
  @ParameterizedTest(name = "doublings made aside: {0}")
  @ValueSource(booleans = {false, true})
  void aFullDiskFailsTheDoublingAndLosesNothing(boolean aside) throws IOException {
    mount = ScratchMount.tmpfs(dir.resolve("fs"), 8 << 20);
    Path fs = mount.path();
    HashDedupIndex index = open(fs.resolve("dedup"));
    if (aside) {
      index.doubleAside(HashDedupIndex.MIN_BITS, null);
    }
    index.add(mappings(0, 10_000), 10_000);
    Path filler = LocalStoresDiskFaultTest.fillUp(fs.resolve("filler"));
    long at = 10_000;
    IOException failed = null;
    for (; at < 200_000 && failed == null; at += 1_000) {
      try {
        index.add(mappings(at, at + 1_000), at + 1_000);
      } catch (IOException e) {
        failed = e;
      }
    }
    assertThat(failed).isNotNull().hasMessageContaining("No space left on device");
    long before = index.watermark();
    assertThat(before).isEqualTo(at - 1_000);
    assertHoldsExactly(index, before);
    Files.delete(filler);
    index.add(mappings(before, before + 5_000), before + 5_000);
    assertHoldsExactly(index, before + 5_000);
    index.close();
    assertHoldsExactly(open(fs.resolve("dedup")), before + 5_000);
  }

  /**
   * A real {@code kill -9} in the middle of adds and syncs: the reopened index holds every
   * mapping below its watermark, which is at least the last sync the child finished, and
   * nothing of what it added after.
   */
  @ParameterizedTest(name = "doublings made aside: {0}")
  @ValueSource(booleans = {false, true})
  void afterKillMinus9EveryMappingBelowTheWatermarkIsThereAndNothingAbove(boolean aside)
      throws Exception {
    Path index = dir.resolve("dedup");
    Process child = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), DedupChild.class.getName(),
        index.toString(), Boolean.toString(aside)).redirectErrorStream(true).start();
    long synced = 0;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
      StringBuilder other = new StringBuilder();
      for (String line; synced < 60_000 && (line = out.readLine()) != null; ) {
        if (line.matches("synced \\d+")) {
          synced = Long.parseLong(line.substring("synced ".length()));
        } else {
          other.append(line).append('\n');
        }
      }
      assertThat(synced).as("the child ran: %s", other).isGreaterThanOrEqualTo(60_000);
      child.destroyForcibly();
      assertThat(child.waitFor()).isNotZero();
    } finally {
      child.destroyForcibly();
    }
    HashDedupIndex after = open(index);
    long w = after.watermark();
    assertThat(w).isGreaterThanOrEqualTo(synced).isEqualTo(w / DedupChild.BATCH
        * DedupChild.BATCH);
    assertHoldsExactly(after, w);
    assertThat(after.lookup(mappings(w, w + 2 * DedupChild.BATCH).stream()
        .map(DedupIndex.Mapping::leafHash).toList())).isEmpty();
    // What the kill cut off is simply added again.
    after.add(mappings(w, w + 20 * DedupChild.BATCH), w + 20 * DedupChild.BATCH);
    assertHoldsExactly(after, w + 20 * DedupChild.BATCH);
  }

  /**
   * Adds batches to the index in its argument's directory until killed, syncing after every
   * tenth and printing the watermark each sync recorded.
   */
  static final class DedupChild {
    static final int BATCH = 997;

    public static void main(String[] args) throws IOException {
      HashDedupIndex index = HashDedupIndex.open(Path.of(args[0]));
      if (Boolean.parseBoolean(args[1])) {
        index.doubleAside(HashDedupIndex.MIN_BITS, null);
      }
      for (long from = 0; ; from += BATCH) {
        index.add(mappings(from, from + BATCH), from + BATCH);
        if ((from / BATCH) % 10 == 9) {
          index.sync(false);
          System.out.println("synced " + (from + BATCH));
          System.out.flush();
        }
      }
    }
  }
}
