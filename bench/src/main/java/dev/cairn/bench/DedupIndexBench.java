package dev.cairn.bench;

import dev.cairn.log.storage.embedded.DedupIndex;
import dev.cairn.log.storage.embedded.HashDedupIndex;
import dev.cairn.merkle.Hash;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The dedup index's work for one sequencing batch of 1,000 new entries: look the 1,000 leaf
 * hashes up (all absent, as almost every submission is) and add their mappings, on an index
 * already holding {@code size} random keys. Also a lookup of 1,000 present keys (proofs by
 * hash, resubmissions). {@code impl} is {@code hash}, the {@link HashDedupIndex},
 * or {@code rocks}, the RocksDB index it replaced (the same options: bloom filters on tables and
 * memtable, no write-ahead log), rebuilt here as the baseline.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
public class DedupIndexBench {
  private static final int BATCH = 1_000;

  @Param({"hash", "rocks"})
  String impl;

  @Param({"1000000", "10000000"})
  long size;

  private Path dir;
  private DedupIndex index;
  private AutoCloseable closer;
  private long next;
  private final Random random = new Random(7);
  /** Every 100th batch's keys, as it was added in the setup. */
  private final List<List<Hash>> present = new ArrayList<>();

  @Setup(Level.Trial)
  public void setup() throws Exception {
    dir = Files.createTempDirectory("cairn-dedup-bench-");
    if (impl.equals("hash")) {
      HashDedupIndex h = HashDedupIndex.open(dir);
      index = h;
      closer = h;
    } else {
      RocksBaseline r = new RocksBaseline(dir);
      index = r;
      closer = r;
    }
    while (next < size) {
      List<DedupIndex.Mapping> ms = batch();
      index.add(ms, next);
      if (next % (100 * BATCH) == 0) {
        present.add(ms.stream().map(DedupIndex.Mapping::leafHash).toList());
      }
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    closer.close();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Collections.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** The next 1,000 mappings, of fresh random keys; advances {@link #next} past them. */
  private List<DedupIndex.Mapping> batch() {
    List<DedupIndex.Mapping> ms = new ArrayList<>(BATCH);
    byte[] key = new byte[Hash.SIZE];
    for (int i = 0; i < BATCH; i++) {
      random.nextBytes(key);
      ms.add(new DedupIndex.Mapping(Hash.of(key), next++));
    }
    return ms;
  }

  /**
   * One sequencing batch's dedup work: the lookup, then the add. Timed as single shots of 50
   * batches (the score is per 50 batches, 50,000 entries), so the index grows by 1 M entries
   * over the run, not by whatever a timed iteration would add.
   */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @Warmup(iterations = 10, batchSize = 50)
  @Measurement(iterations = 10, batchSize = 50)
  public int lookUpAndAddABatch() throws IOException {
    List<DedupIndex.Mapping> ms = batch();
    List<Hash> keys = new ArrayList<>(BATCH);
    for (DedupIndex.Mapping m : ms) {
      keys.add(m.leafHash());
    }
    Map<Hash, Long> found = index.lookup(keys);
    index.add(ms, next);
    return found.size();
  }

  /** A lookup of 1,000 keys that are present: an earlier batch, from anywhere in the index. */
  @Benchmark
  public int lookUpPresentKeys() throws IOException {
    return index.lookup(present.get(random.nextInt(present.size()))).size();
  }

  /** The RocksDB dedup index as it was: key = leaf hash, value = index, no write-ahead log. */
  static final class RocksBaseline implements DedupIndex, AutoCloseable {
    private static final byte[] WATERMARK = "dedup-watermark".getBytes(StandardCharsets.UTF_8);
    private final LRUCache cache;
    private final ColumnFamilyOptions cfOptions;
    private final DBOptions dbOptions;
    private final List<ColumnFamilyHandle> handles = new ArrayList<>();
    private final RocksDB db;
    private final WriteOptions writeOptions;

    RocksBaseline(Path dir) throws RocksDBException {
      RocksDB.loadLibrary();
      cache = new LRUCache(64L << 20);
      writeOptions = new WriteOptions().setDisableWAL(true);
      cfOptions = new ColumnFamilyOptions().setTableFormatConfig(new BlockBasedTableConfig()
              .setBlockCache(cache).setFilterPolicy(new BloomFilter(10)))
          .setWriteBufferSize(16L << 20).setMemtableWholeKeyFiltering(true)
          .setMemtablePrefixBloomSizeRatio(0.1);
      dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
          .setMaxBackgroundJobs(2).setAtomicFlush(true);
      List<ColumnFamilyDescriptor> cfs = List.of(
          new ColumnFamilyDescriptor("default".getBytes(StandardCharsets.UTF_8), cfOptions),
          new ColumnFamilyDescriptor("dedup".getBytes(StandardCharsets.UTF_8), cfOptions));
      db = RocksDB.open(dbOptions, dir.toString(), cfs, handles);
    }

    @Override
    public Map<Hash, Long> lookup(java.util.Collection<Hash> leafHashes) throws IOException {
      List<Hash> hashes = new ArrayList<>(leafHashes);
      List<byte[]> keys = new ArrayList<>(hashes.size());
      for (Hash h : hashes) {
        keys.add(h.toByteArray());
      }
      try {
        List<byte[]> values = db.multiGetAsList(
            Collections.nCopies(keys.size(), handles.get(1)), keys);
        Map<Hash, Long> found = new java.util.HashMap<>();
        for (int i = 0; i < values.size(); i++) {
          if (values.get(i) != null) {
            found.put(hashes.get(i), ByteBuffer.wrap(values.get(i)).getLong());
          }
        }
        return found;
      } catch (RocksDBException e) {
        throw new IOException(e);
      }
    }

    @Override
    public void add(List<Mapping> mappings, long watermark) throws IOException {
      try (WriteBatch batch = new WriteBatch()) {
        for (Mapping m : mappings) {
          batch.put(handles.get(1), m.leafHash().toByteArray(),
              ByteBuffer.allocate(8).putLong(m.index()).array());
        }
        batch.put(handles.get(0), WATERMARK, ByteBuffer.allocate(8).putLong(watermark).array());
        db.write(writeOptions, batch);
      } catch (RocksDBException e) {
        throw new IOException(e);
      }
    }

    @Override
    public long watermark() {
      return 0;
    }

    @Override
    public void close() {
      handles.forEach(ColumnFamilyHandle::close);
      db.close();
      dbOptions.close();
      cfOptions.close();
      cache.close();
      writeOptions.close();
    }
  }
}
