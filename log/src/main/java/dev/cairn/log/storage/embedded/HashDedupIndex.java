package dev.cairn.log.storage.embedded;

import dev.cairn.merkle.Hash;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dedup index as a hash table made for its keys. Leaf hashes are uniformly random, so they
 * spread evenly without help: the first byte picks one of 256 partitions, the next bits a slot
 * in it, and a linear probe from there finds the key or an empty slot, mostly within one or two
 * cache lines. A lookup is a few memory reads, an add a few writes, with no compaction ever.
 *
 * <p>Files, in one directory: {@code meta} (the watermark, each partition's count, and whether
 * the table can be trusted) and {@code p000}…{@code p255}, each a power of two of 40-byte slots
 * (an 8-byte value, the entry's index plus one or 0 for empty, then the 32-byte leaf hash),
 * memory-mapped. A partition doubles when its load passes a threshold between 0.55 and 0.70
 * that differs per partition, so the doublings of evenly filled partitions spread out instead of
 * coming all at once; a doubling writes a new file beside the old one and renames it over it.
 * Memory is the page cache's to manage; the heap holds nothing per entry.
 *
 * <p>Crashes. Writes go to shared mappings and are not synced as they happen: a thread syncs
 * every mapping every {@link #SYNC_EVERY} (and {@link #close} does) and then records the
 * watermark it synced, in {@code meta}. An add writes its slots before it raises the watermark,
 * and lookups ignore slots at or above the watermark they read first, so an add cut short shows
 * nothing. After a stop without a clean close (a killed process, a lost machine, a file system
 * that dropped its dirty pages) the index is trusted up to the synced watermark only: a page
 * that lost later writes went back to a state at least as new as that sync. The log re-indexes
 * the rest, at most that interval's entries, from the sequence log. A doubling syncs the new file
 * before renaming it in, and a sync syncs the directory, so a synced watermark never refers to a
 * file that is gone. Partition files of the wrong size make the index be discarded and rebuilt.
 *
 * <p>Lookups run concurrently with the one writer, and with a writer in another process (a
 * {@linkplain #openReadOnly read-only} view, for {@code cairn verify --check-dedup}): a slot's
 * key is written before its value is published with release semantics, and read after it.
 */
public final class HashDedupIndex implements DedupIndex, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HashDedupIndex.class);

  static final int PARTITIONS = 256;
  static final int SLOT = 40;
  /** Slots of a new partition, as a power of two. */
  static final int MIN_BITS = 7;
  /** The largest partition a mapping can hold (2^25 slots, 1.25 GiB): 5.9 G entries in all. */
  static final int MAX_BITS = 25;

  private static final long MAGIC = 0x434149524e444450L; // "CAIRNDDP"
  private static final int VERSION = 1;
  private static final int META_SIZE = 4096;
  private static final int AT_VERSION = 8;
  private static final int AT_PARTITIONS = 12;
  private static final int AT_CLEAN = 16;
  private static final int AT_WATERMARK = 24;
  private static final int AT_SYNCED = 32;
  private static final int AT_COUNTS = 1024;
  /** How often the mappings are synced: the most a stop without a close makes the log redo. */
  static final java.time.Duration SYNC_EVERY = java.time.Duration.ofSeconds(30);
  /** A probe this long means the partition is fuller than its count says: it doubles. */
  private static final int MAX_PROBE = 512;

  private static final VarHandle LONGS =
      MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  /** One partition's slots. */
  private static final class Table {
    private final ByteBuffer slots;
    private final int bits;
    /** Replaced while being synced: the last sync of it unmaps it when done. */
    private boolean retired;
    /** How many syncs are forcing it now; guarded by {@link #unmapping}. */
    private int syncs;

    Table(ByteBuffer slots, int bits) {
      this.slots = slots;
      this.bits = bits;
    }

    ByteBuffer slots() {
      return slots;
    }

    int bits() {
      return bits;
    }

    int mask() {
      return (1 << bits) - 1;
    }
  }

  private final Path dir;
  private final boolean readOnly;
  /**
   * The tables are in anonymous memory, written to the files only by {@link #finish} (see
   * {@link #build}).
   */
  private boolean inMemory;
  /** The in-memory tables were written by {@link #finish}. */
  private boolean written;
  private final MappedByteBuffer meta;
  private final AtomicReferenceArray<Table> tables = new AtomicReferenceArray<>(PARTITIONS);
  /** Each partition's count of keys, the writer's copy of what {@code meta} records. */
  private final long[] counts = new long[PARTITIONS];
  private volatile long watermark;
  /**
   * Held to read a mapping (shared) and to unmap one (exclusive): a mapping is unmapped when a
   * doubling replaces it and on close, so that its file's space and mount are freed at once,
   * and a read of an unmapped buffer would crash the JVM.
   */
  private final Lock reading;
  private final Lock unmapping;
  private volatile boolean closed;
  /** Set when close begins: adds fail from then on. */
  private boolean closing;
  /** The watermark of the last sync (or of the open). */
  private volatile long synced;
  /** The watermark went back to {@link #synced} after a failed sync; the next add fails once. */
  private boolean tailLost;
  private Thread syncer;

  private HashDedupIndex(Path dir, boolean readOnly, MappedByteBuffer meta, long watermark) {
    this.dir = dir;
    this.readOnly = readOnly;
    this.meta = meta;
    this.watermark = watermark;
    ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    this.reading = lock.readLock();
    this.unmapping = lock.writeLock();
  }

  /**
   * Opens the index in {@code dir}, creating it if needed, and starts syncing it. After a stop
   * without a clean close it holds what it held at its last sync.
   */
  public static HashDedupIndex open(Path dir) throws IOException {
    Files.createDirectories(dir);
    try (Stream<Path> files = Files.list(dir)) {
      for (Path tmp : files.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList()) {
        Files.delete(tmp);
      }
    }
    String problem = problem(dir);
    if (problem != null) {
      if (Files.exists(dir.resolve("meta"))) {
        LOG.warn("discarding the dedup index in {}: {}; it is rebuilt from the log", dir,
            problem);
      }
      create(dir);
    }
    MappedByteBuffer meta = map(dir.resolve("meta"), false);
    long watermark = trusted(meta);
    if (meta.getInt(AT_CLEAN) != 1 && watermark < meta.getLong(AT_WATERMARK)) {
      LOG.info("the dedup index in {} was not closed cleanly: it is trusted up to its last sync,"
          + " size {}, and the log indexes the rest again", dir, watermark);
    }
    HashDedupIndex index = new HashDedupIndex(dir, false, meta, watermark);
    index.synced = watermark;
    index.mapTables();
    for (int p = 0; p < PARTITIONS; p++) {
      index.counts[p] = meta.getLong(AT_COUNTS + 8 * p);
    }
    // From now on the index is being written: until a clean close, only a sync is trusted.
    meta.putLong(AT_WATERMARK, watermark);
    meta.putInt(AT_CLEAN, 0);
    force(meta);
    index.syncer = Thread.ofPlatform().daemon().name("cairn-dedup-sync").start(index::syncLoop);
    return index;
  }

  /**
   * A new, empty index in {@code dir} (replacing what is there), to be filled in one go, as a
   * restore does: its tables are kept in anonymous memory, where random stores cost a tenth of
   * what they cost in a file mapping, and written out, synced and marked clean by {@link
   * #close}; until then the files hold an empty index. Needs about 150 bytes of direct memory
   * per entry added; see {@link #fitsInMemory}.
   */
  public static HashDedupIndex build(Path dir) throws IOException {
    Files.createDirectories(dir);
    create(dir);
    MappedByteBuffer meta = map(dir.resolve("meta"), false);
    HashDedupIndex index = new HashDedupIndex(dir, false, meta, 0);
    index.inMemory = true;
    for (int p = 0; p < PARTITIONS; p++) {
      index.tables.set(p, new Table(ByteBuffer.allocateDirect(SLOT << MIN_BITS), MIN_BITS));
    }
    return index;
  }

  /** Whether {@link #build} can hold {@code entries} in this JVM's direct memory, with room. */
  public static boolean fitsInMemory(long entries) {
    return entries * 150 < Runtime.getRuntime().maxMemory() / 2;
  }

  /**
   * Writes an index made by {@link #build} to its files, synced and marked clean, so that its
   * user learns of a failure ({@link #close} only logs one). Nothing for other indexes.
   */
  public synchronized void finish() throws IOException {
    if (inMemory && !written) {
      writeTables();
      written = true;
    }
  }

  /** Writes the in-memory tables to their files (built beside them, renamed over them). */
  private void writeTables() throws IOException {
    for (int p = 0; p < PARTITIONS; p++) {
      Path file = partition(dir, p);
      ByteBuffer slots = tables.get(p).slots().duplicate().clear();
      AtomicFiles.rename(AtomicFiles.writeTemp(file, slots, dir), file);
      meta.putLong(AT_COUNTS + 8 * p, counts[p]);
    }
    AtomicFiles.syncDirectory(dir);
    meta.putLong(AT_WATERMARK, watermark);
    meta.putLong(AT_SYNCED, watermark);
    meta.putInt(AT_CLEAN, 1);
    force(meta);
  }

  /** Maps every partition; on a failure, unmaps what it mapped and {@code meta}. */
  private void mapTables() throws IOException {
    try {
      for (int p = 0; p < PARTITIONS; p++) {
        tables.set(p, table(dir, p, readOnly));
      }
    } catch (IOException | RuntimeException e) {
      for (int p = 0; p < PARTITIONS; p++) {
        if (tables.get(p) != null) {
          unmap(tables.get(p).slots());
        }
      }
      unmap(meta);
      throw e;
    }
  }

  /** The watermark an index with this {@code meta} can be trusted up to. */
  private static long trusted(ByteBuffer meta) {
    return meta.getInt(AT_CLEAN) == 1 ? (long) LONGS.getAcquire(meta, AT_WATERMARK)
        : (long) LONGS.getAcquire(meta, AT_SYNCED);
  }

  /**
   * Opens the index in {@code dir} for lookups only, as of its last sync (or its clean close):
   * safe beside a log writing to it. An index the log would discard reads as empty.
   *
   * @throws IOException if there is no index in {@code dir}
   */
  public static HashDedupIndex openReadOnly(Path dir) throws IOException {
    if (!Files.exists(dir.resolve("meta"))) {
      throw new IOException("no dedup index in " + dir + " (its meta file is missing)");
    }
    String problem = problem(dir);
    MappedByteBuffer meta = map(dir.resolve("meta"), true);
    long watermark = problem == null ? trusted(meta) : 0;
    HashDedupIndex index = new HashDedupIndex(dir, true, meta, watermark);
    if (problem == null) {
      index.mapTables();
    }
    return index;
  }

  @Override
  public Map<Hash, Long> lookup(Collection<Hash> leafHashes) throws IOException {
    reading.lock();
    try {
      if (closed) {
        throw new IOException("the dedup index in " + dir + " is closed");
      }
      return lookUp(leafHashes);
    } finally {
      reading.unlock();
    }
  }

  private Map<Hash, Long> lookUp(Collection<Hash> leafHashes) {
    long below = watermark;
    Map<Hash, Long> found = new HashMap<>();
    if (below == 0) {
      return found;
    }
    byte[] key = new byte[Hash.SIZE];
    ByteBuffer k = ByteBuffer.wrap(key);
    for (Hash h : leafHashes) {
      h.copyTo(key, 0);
      long k0 = k.getLong(0);
      Table t = tables.get((int) (k0 >>> 56));
      int mask = t.mask();
      int i = start(k0, t.bits());
      // put() places no key farther than this from its start (a table whose count was lost can
      // be full: the limit ends the probe).
      for (int probe = 0; probe < probes(t); probe++, i = (i + 1) & mask) {
        int at = i * SLOT;
        long value = (long) LONGS.getAcquire(t.slots(), at);
        if (value == 0) {
          break;
        }
        if (matches(t.slots(), at, k0, k)) {
          if (value - 1 < below) {
            found.put(h, value - 1);
          }
          break;
        }
      }
    }
    return found;
  }

  @Override
  public synchronized void add(List<Mapping> mappings, long newWatermark) throws IOException {
    if (readOnly || closing) {
      throw new IllegalStateException("the dedup index in " + dir + " is "
          + (readOnly ? "open for reading only" : "closed"));
    }
    if (tailLost) {
      tailLost = false;
      throw new IOException("the dedup index in " + dir + " went back to size " + watermark
          + " after a failed sync: index the log from there");
    }
    for (Mapping m : mappings) {
      if (m.index() < 0 || m.index() >= newWatermark) {
        throw new IllegalArgumentException(
            "index " + m.index() + " is not below the watermark " + newWatermark);
      }
    }
    byte[] key = new byte[Hash.SIZE];
    ByteBuffer k = ByteBuffer.wrap(key);
    for (Mapping m : mappings) {
      m.leafHash().copyTo(key, 0);
      insert(k, m.index());
    }
    if (newWatermark > watermark) {
      LONGS.setRelease(meta, AT_WATERMARK, newWatermark);
      watermark = newWatermark;
    }
  }

  @Override
  public long watermark() {
    return watermark;
  }

  /** The index's directory. */
  Path dir() {
    return dir;
  }

  /**
   * Stops the syncing thread, syncs every mapping and marks the index closed cleanly, so the
   * next open trusts all of it, then unmaps the files. Lookups and adds fail after it.
   */
  @Override
  public void close() {
    Thread stopping;
    synchronized (this) {
      if (closed || closing) {
        return;
      }
      closing = true;
      stopping = syncer;
    }
    // Stopped without holding the monitor: a failing sync takes it (loseUnsyncedTail).
    if (stopping != null) {
      stopping.interrupt();
      boolean interrupted = false;
      while (stopping.isAlive()) {
        try {
          stopping.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (this) {
      if (inMemory) {
        try {
          finish();
        } catch (IOException | RuntimeException e) {
          LOG.warn("couldn't write the dedup index built in memory to {}; the log builds it"
              + " again at its next start: {}", dir, e.toString());
        }
      } else if (!readOnly) {
        try {
          sync(true);
        } catch (IOException | RuntimeException e) {
          LOG.warn("couldn't sync the dedup index in {}; the log indexes what it added since"
              + " size {} again at its next start: {}", dir, synced, e.toString());
        }
      }
      unmapping.lock();
      try {
        closed = true;
        for (int p = 0; p < PARTITIONS; p++) {
          if (tables.get(p) != null) {
            unmap(tables.get(p).slots());
          }
        }
        unmap(meta);
      } finally {
        unmapping.unlock();
      }
    }
  }

  /**
   * Syncs the partitions one at a time, spread over {@link #SYNC_EVERY}, so that their writeback
   * is a steady trickle beside the sequence log's syncs rather than one burst of the whole
   * table every interval (which, measured, halved the write rate while it lasted).
   */
  private void syncLoop() {
    boolean failing = false;
    while (true) {
      try {
        sync(false, SYNC_EVERY.dividedBy(PARTITIONS));
        if (failing) {
          LOG.info("the dedup index in {} is synced again", dir);
          failing = false;
        }
      } catch (InterruptedException e) {
        return;
      } catch (IOException | RuntimeException e) {
        if (!failing) {
          LOG.warn("couldn't sync the dedup index in {}; the log indexes again what it added"
              + " since size {}, and the sync is retried every {} s: {}", dir, synced,
              SYNC_EVERY.toSeconds(), e.toString());
          failing = true;
        }
        try {
          Thread.sleep(SYNC_EVERY);
        } catch (InterruptedException stop) {
          return;
        }
      }
    }
  }

  /**
   * After a failed sync: the pages that failed to be written count as clean now (Linux reports
   * a failed writeback once), and may later be read back from the disk without the stores they
   * lost. So the index goes back to its last synced watermark, and the writer's next add fails
   * once, which makes the log index everything above it again: stores that dirty those pages
   * anew, for the next sync.
   */
  private synchronized void loseUnsyncedTail() {
    if (watermark > synced) {
      watermark = synced;
      LONGS.setRelease(meta, AT_WATERMARK, synced);
      tailLost = true;
    }
  }

  /**
   * Syncs every mapping, then records the watermark read before as synced (and with {@code
   * clean}, marks the index closed cleanly). Runs beside the writer. A failed sync takes the
   * index back to the last recorded one (see {@link #loseUnsyncedTail}).
   */
  void sync(boolean clean) throws IOException {
    try {
      sync(clean, java.time.Duration.ZERO);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while syncing the dedup index in " + dir, e);
    }
  }

  /** {@link #sync(boolean)}, pausing {@code pace} after each partition. */
  private void sync(boolean clean, java.time.Duration pace)
      throws IOException, InterruptedException {
    long covered = watermark;
    try {
      for (int p = 0; p < PARTITIONS; p++) {
        // Not under the lock, which would hold up a doubling (and so the writer) for as long
        // as the kernel takes to write the partition's dirty pages: a table replaced meanwhile
        // is left mapped, for this thread to unmap.
        Table t;
        unmapping.lock();
        try {
          if (closed) {
            return;
          }
          t = tables.get(p);
          t.syncs++;
        } finally {
          unmapping.unlock();
        }
        try {
          force(t.slots());
        } finally {
          unmapping.lock();
          try {
            if (--t.syncs == 0 && t.retired) {
              unmap(t.slots());
            }
          } finally {
            unmapping.unlock();
          }
        }
        if (!pace.isZero()) {
          Thread.sleep(pace);
        }
      }
      AtomicFiles.syncDirectory(dir);
      reading.lock();
      try {
        if (closed) {
          return;
        }
        if (covered > synced) {
          LONGS.setRelease(meta, AT_SYNCED, covered);
          synced = covered;
        }
        if (clean) {
          meta.putInt(AT_CLEAN, 1);
        }
        force(meta);
      } finally {
        reading.unlock();
      }
    } catch (java.nio.channels.ClosedByInterruptException e) {
      throw new InterruptedException("stopped while syncing"); // by close(): not a failure
    } catch (IOException | RuntimeException e) {
      loseUnsyncedTail();
      throw e;
    }
  }

  // ---- The table ----------------------------------------------------------------------------

  private static int start(long k0, int bits) {
    return (int) ((k0 << 8) >>> (64 - bits));
  }

  private static boolean matches(ByteBuffer slots, int at, long k0, ByteBuffer k) {
    return slots.getLong(at + 8) == k0 && slots.getLong(at + 16) == k.getLong(8)
        && slots.getLong(at + 24) == k.getLong(16) && slots.getLong(at + 32) == k.getLong(24);
  }

  /**
   * Puts {@code key → index} in its partition, replacing the key's index if it has one. A full
   * partition doubles first, so its load never passes its threshold, and a doubling that fails
   * leaves the key out.
   */
  private void insert(ByteBuffer k, long index) throws IOException {
    int p = (int) (k.getLong(0) >>> 56);
    Table t = tables.get(p);
    if (counts[p] >= threshold(p, t.bits())) {
      t = grow(p, t);
    }
    int put;
    while ((put = put(t, k, index)) == FULL) {
      t = grow(p, t);
    }
    if (put == ADDED) {
      counts[p]++;
      meta.putLong(AT_COUNTS + 8 * p, counts[p]);
    }
  }

  private static final int ADDED = 0;
  private static final int PRESENT = 1;
  private static final int FULL = 2;

  /**
   * Puts a key in {@code t}: {@link #ADDED} in an empty slot, {@link #PRESENT} if it was there,
   * or {@link #FULL} if no empty slot is near (the partition's count was lost in a crash).
   */
  private static int put(Table t, ByteBuffer k, long index) {
    long k0 = k.getLong(0);
    int mask = t.mask();
    ByteBuffer slots = t.slots();
    int i = start(k0, t.bits());
    for (int probe = 0; probe < probes(t); probe++, i = (i + 1) & mask) {
      int at = i * SLOT;
      long value = slots.getLong(at);
      if (value == 0) {
        store(slots, at, k, index);
        return ADDED;
      }
      if (matches(slots, at, k0, k)) {
        // Stored even if unchanged: a repeat after a failed sync must dirty the slot's pages
        // again, both of them where it spans two (the same bytes: readers see no change).
        store(slots, at, k, index);
        return PRESENT;
      }
    }
    return FULL;
  }

  /** Writes a slot: the key, then the value, published to lookups with release semantics. */
  private static void store(ByteBuffer slots, int at, ByteBuffer k, long index) {
    for (int i = 0; i < Hash.SIZE; i += 8) {
      slots.putLong(at + 8 + i, k.getLong(i));
    }
    LONGS.setRelease(slots, at, index + 1);
  }

  /** How many slots from its start a key may be: {@link #MAX_PROBE}, or all of a small table. */
  private static int probes(Table t) {
    return Math.min(MAX_PROBE, t.mask() + 1);
  }

  /** The count above which partition {@code p} of 2^bits slots doubles. */
  static long threshold(int p, int bits) {
    double load = 0.55 + 0.15 * p / (PARTITIONS - 1);
    return (long) (load * (1L << bits));
  }

  /**
   * Doubles partition {@code p}: writes the new file in full first (so a full disk fails here,
   * with the old table still in use, and never as a fault in a mapping), then renames it over
   * the old one. Readers holding the old table go on reading it.
   */
  private Table grow(int p, Table old) throws IOException {
    int bits = old.bits() + 1;
    if (bits > MAX_BITS) {
      throw new IOException("the dedup index's partition " + p + " is full ("
          + counts[p] + " keys)");
    }
    if (inMemory) {
      Table grown = new Table(ByteBuffer.allocateDirect(SLOT << bits), bits);
      counts[p] = copy(old.slots(), grown);
      return replace(p, old, grown);
    }
    Path file = partition(dir, p);
    // The old file is synced first: a writeback of it that failed is reported here, before its
    // pages (which may have been read back from the disk without the lost stores) are copied
    // into a file the next sync would vouch for.
    try {
      force(old.slots());
    } catch (IOException | RuntimeException e) {
      loseUnsyncedTail();
      throw new IOException("couldn't sync the dedup index's " + file.getFileName()
          + " before doubling it: " + e.getMessage(), e);
    }
    // Built in memory and written in one go, synced before it replaces the old file (which the
    // last sync covered): the file is written once, sequentially, and a full disk fails the
    // write, never a store into a mapping.
    ByteBuffer built = ByteBuffer.allocateDirect(SLOT << bits);
    try {
      long count = copy(old.slots(), new Table(built, bits));
      AtomicFiles.rename(AtomicFiles.writeTemp(file, built, dir), file);
      counts[p] = count;
      meta.putLong(AT_COUNTS + 8 * p, count);
    } finally {
      unmap(built);
    }
    return replace(p, old, table(dir, p, false));
  }

  /**
   * Puts {@code grown} in place of partition {@code p}'s {@code old} table and unmaps that one,
   * or leaves it to the sync forcing it now.
   */
  private Table replace(int p, Table old, Table grown) {
    unmapping.lock();
    try {
      tables.set(p, grown);
      if (old.syncs > 0) {
        old.retired = true;
      } else {
        unmap(old.slots());
      }
    } finally {
      unmapping.unlock();
    }
    return grown;
  }

  /** Puts every key of {@code from} in {@code to}; returns how many. */
  private static long copy(ByteBuffer from, Table to) {
    byte[] key = new byte[Hash.SIZE];
    ByteBuffer k = ByteBuffer.wrap(key);
    long count = 0;
    for (int at = 0; at < from.capacity(); at += SLOT) {
      long value = from.getLong(at);
      if (value != 0) {
        from.get(at + 8, key);
        if (put(to, k, value - 1) != ADDED) {
          throw new IllegalStateException("a key twice in a partition, or one too full");
        }
        count++;
      }
    }
    return count;
  }

  // ---- Files --------------------------------------------------------------------------------

  private static Path partition(Path dir, int p) {
    return dir.resolve(String.format("p%03d", p));
  }

  private static Table table(Path dir, int p, boolean readOnly) throws IOException {
    MappedByteBuffer slots = map(partition(dir, p), readOnly);
    int bits = bits(slots.capacity());
    if (bits < 0) {
      unmap(slots);
      throw new IOException(partition(dir, p) + " is not a dedup table (" + slots.capacity()
          + " bytes)");
    }
    return new Table(slots, bits);
  }

  /** Why the index in {@code dir} cannot be used as it is, or null if it can. */
  private static String problem(Path dir) throws IOException {
    Path file = dir.resolve("meta");
    if (!Files.exists(file)) {
      return "it is missing";
    }
    if (Files.size(file) != META_SIZE) {
      return "its meta file has " + Files.size(file) + " bytes";
    }
    ByteBuffer meta = ByteBuffer.wrap(Files.readAllBytes(file));
    if (meta.getLong(0) != MAGIC || meta.getInt(AT_VERSION) != VERSION
        || meta.getInt(AT_PARTITIONS) != PARTITIONS) {
      return "its meta file is not of this version";
    }
    for (int p = 0; p < PARTITIONS; p++) {
      Path f = partition(dir, p);
      if (!Files.isRegularFile(f) || bits(Files.size(f)) < 0) {
        return f.getFileName() + " is missing or not of a table's size";
      }
    }
    return null;
  }

  /** The table size (as a power of two of slots) of a file of {@code size} bytes, or -1. */
  private static int bits(long size) {
    int bits = Long.numberOfTrailingZeros(size / SLOT);
    return size % SLOT == 0 && (long) SLOT << bits == size && bits >= MIN_BITS
        && bits <= MAX_BITS ? bits : -1;
  }

  /** Writes a new, empty index: the partitions, then {@code meta}, which makes it one. */
  private static void create(Path dir) throws IOException {
    // New files renamed over the old ones: a reader that mapped those keeps them whole. The
    // empty partitions need no sync: one lost is of the wrong size, which discards the index.
    Files.deleteIfExists(dir.resolve("meta"));
    byte[] empty = new byte[SLOT << MIN_BITS];
    for (int p = 0; p < PARTITIONS; p++) {
      Path file = partition(dir, p);
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.write(tmp, empty);
      AtomicFiles.rename(tmp, file);
    }
    byte[] meta = new byte[META_SIZE];
    ByteBuffer.wrap(meta).putLong(0, MAGIC).putInt(AT_VERSION, VERSION)
        .putInt(AT_PARTITIONS, PARTITIONS);
    AtomicFiles.write(dir.resolve("meta"), meta, dir);
  }

  private static MappedByteBuffer map(Path file, boolean readOnly) throws IOException {
    try (FileChannel ch = readOnly ? FileChannel.open(file, StandardOpenOption.READ)
        : FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      return ch.map(readOnly ? FileChannel.MapMode.READ_ONLY : FileChannel.MapMode.READ_WRITE,
          0, ch.size());
    }
  }

  /**
   * Unmaps (or frees) the direct {@code buffer} now rather than when it is collected (the only
   * way before the foreign-memory API, which Java 21 has only as a preview). A mapping another
   * thread may read is unmapped only under {@link #unmapping}.
   */
  private static void unmap(ByteBuffer buffer) {
    if (UNSAFE != null) {
      UNSAFE.invokeCleaner(buffer);
    }
  }

  private static final sun.misc.Unsafe UNSAFE = unsafe();

  private static sun.misc.Unsafe unsafe() {
    try {
      java.lang.reflect.Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
      f.setAccessible(true);
      return (sun.misc.Unsafe) f.get(null);
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      LOG.debug("mappings are unmapped when collected: {}", e.toString());
      return null;
    }
  }

  private static void force(ByteBuffer buffer) throws IOException {
    try {
      ((MappedByteBuffer) buffer).force();
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
