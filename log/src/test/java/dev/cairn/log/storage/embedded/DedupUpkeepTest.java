package dev.cairn.log.storage.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.log.storage.Lease;
import dev.cairn.log.storage.SequencedBatch;
import dev.cairn.log.storage.StorageException;
import dev.cairn.log.storage.TreeHead;
import dev.cairn.log.testing.MemoryDedupIndex;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import dev.cairn.read.LogReader;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bringing the dedup index up to the log after a stop without a clean close: from the level-0
 * tiles up to the integrated size, from the sequence log beyond it.
 */
class DedupUpkeepTest {
  private static final int SIZE = 50_000;
  /** Not a tile's end: the catch-up reads a partial tile. */
  private static final long INTEGRATED = 40_100;
  /** Not a tile's start either. */
  private static final long SYNCED = 30_000;

  @TempDir Path dir;

  private static byte[] entry(long i) {
    return ("entry " + i).getBytes(StandardCharsets.UTF_8);
  }

  private static Hash leaf(long i) {
    return Hasher.threadLocal().leaf(entry(i));
  }

  private static List<DedupIndex.Mapping> mappings(long from, long to) {
    List<DedupIndex.Mapping> ms = new ArrayList<>();
    for (long i = from; i < to; i++) {
      ms.add(new DedupIndex.Mapping(leaf(i), i));
    }
    return ms;
  }

  /**
   * A round cut short after some partitions: the catch-up neither looks up nor adds the entries
   * those partitions hold, and afterwards the index maps every entry of the log to its index.
   */
  @Test
  void aCatchUpSkipsWhatACutShortRoundSynced() throws Exception {
    Path copy;
    try (HashDedupIndex index = HashDedupIndex.open(dir.resolve("dedup"), false)) {
      index.add(mappings(0, SYNCED), SYNCED);
      index.sync(false);
      index.add(mappings(SYNCED, SIZE), SIZE);
      index.syncFirst(128);
      copy = crashCopy(dir.resolve("dedup"));
    }
    try (HashDedupIndex crashed = HashDedupIndex.open(copy, false)) {
      assertThat(crashed.watermark()).isEqualTo(SYNCED);
      Counting counting = new Counting(crashed);
      new DedupUpkeep(counting, new Tiles(), DedupUpkeepTest::replay, new ReentrantLock(),
          () -> INTEGRATED).catchUp(SIZE);

      long lacking = mappings(SYNCED, SIZE).stream()
          .filter(m -> (m.leafHash().toByteArray()[0] & 0xff) >= 128).count();
      assertThat(lacking).isBetween(9_000L, 11_000L);
      assertThat(counting.added).isEqualTo(lacking);
      assertThat(counting.looked).isEqualTo(lacking);
      assertThat(crashed.watermark()).isEqualTo(SIZE);
      List<Hash> all = mappings(0, SIZE).stream().map(DedupIndex.Mapping::leafHash).toList();
      Map<Hash, Long> found = crashed.lookup(all);
      for (int i = 0; i < SIZE; i++) {
        assertThat(found.get(all.get(i))).as("entry %d", i).isEqualTo(i);
      }
    }
  }

  /** An index that does not know what it holds has everything past its watermark added. */
  @Test
  void withoutThatEveryEntryPastTheWatermarkIsLookedUpAndAdded() throws Exception {
    MemoryDedupIndex memory = new MemoryDedupIndex();
    memory.add(mappings(0, SYNCED), SYNCED);
    Counting counting = new Counting(memory);
    new DedupUpkeep(counting, new Tiles(), DedupUpkeepTest::replay, new ReentrantLock(),
        () -> INTEGRATED).catchUp(SIZE);
    assertThat(counting.added).isEqualTo(SIZE - SYNCED);
    assertThat(counting.looked).isEqualTo(SIZE - SYNCED);
    assertThat(memory.watermark()).isEqualTo(SIZE);
    assertThat(memory.lookup(mappings(0, SIZE).stream().map(DedupIndex.Mapping::leafHash)
        .toList())).hasSize(SIZE);
  }

  /**
   * An entry whose leaf hash the index already maps to another index means the log holds one
   * entry twice: the catch-up refuses to go on, whether it reads the entry from a tile or from
   * the sequence log, and adds nothing of the chunk that holds it.
   */
  @ParameterizedTest
  @ValueSource(longs = {35_000, 45_000})
  void aCatchUpRefusesALogThatHoldsAnEntryTwice(long repeated) throws Exception {
    MemoryDedupIndex memory = new MemoryDedupIndex();
    memory.add(mappings(0, SYNCED), SYNCED);
    memory.add(List.of(new DedupIndex.Mapping(leaf(repeated), 7)), SYNCED);
    DedupUpkeep upkeep = new DedupUpkeep(memory, new Tiles(), DedupUpkeepTest::replay,
        new ReentrantLock(), () -> INTEGRATED);
    assertThatThrownBy(() -> upkeep.catchUp(SIZE)).isInstanceOf(StorageException.class)
        .hasMessageContaining("entry " + repeated + " repeats entry 7");
    assertThat(memory.watermark()).isLessThanOrEqualTo(repeated);
  }

  /** The log's batches of 1,000 entries that end after {@code size}, as a lease hands them. */
  private static void replay(long size, Lease.Batches batches) throws IOException {
    for (long start = size / 1_000 * 1_000; start < SIZE; start += 1_000) {
      List<byte[]> entries = new ArrayList<>();
      for (long i = start; i < start + 1_000; i++) {
        entries.add(entry(i));
      }
      batches.batch(new SequencedBatch(start, entries,
          new TreeHead(start + 1_000, Hasher.threadLocal().leaf(new byte[0]))));
    }
  }

  private static Path crashCopy(Path from) throws IOException {
    Path copy = from.resolveSibling("copy");
    Files.createDirectories(copy);
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : files.toList()) {
        Files.copy(f, copy.resolve(f.getFileName()));
      }
    }
    return copy;
  }

  /** The log's level-0 tiles, up to the integrated size. */
  private static final class Tiles implements LogReader {
    @Override
    public String describe() {
      return "the test's tiles";
    }

    @Override
    public byte[] checkpoint() {
      throw new UnsupportedOperationException();
    }

    @Override
    public byte[] readTile(HashTile tile) {
      assertThat(tile.level()).isZero();
      long first = tile.index() * HashTile.FULL_WIDTH;
      assertThat(first + tile.width()).isLessThanOrEqualTo(INTEGRATED);
      byte[] bytes = new byte[tile.width() * Hash.SIZE];
      for (int i = 0; i < tile.width(); i++) {
        leaf(first + i).copyTo(bytes, i * Hash.SIZE);
      }
      return bytes;
    }

    @Override
    public byte[] readBundle(EntryBundle bundle) {
      throw new UnsupportedOperationException();
    }
  }

  /** Counts the keys the catch-up looks up and adds. */
  private static final class Counting implements DedupIndex {
    private final DedupIndex inner;
    long looked;
    long added;

    Counting(DedupIndex inner) {
      this.inner = inner;
    }

    @Override
    public Map<Hash, Long> lookup(Collection<Hash> leafHashes) throws IOException {
      looked += leafHashes.size();
      return inner.lookup(leafHashes);
    }

    @Override
    public void lookup(byte[] keys, int count, long[] indices) throws IOException {
      looked += count;
      inner.lookup(keys, count, indices);
    }

    @Override
    public void add(List<Mapping> mappings, long watermark) throws IOException {
      added += mappings.size();
      inner.add(mappings, watermark);
    }

    @Override
    public boolean holds(byte[] keys, int off, long index) {
      return inner.holds(keys, off, index);
    }

    @Override
    public long watermark() throws IOException {
      return inner.watermark();
    }
  }
}
