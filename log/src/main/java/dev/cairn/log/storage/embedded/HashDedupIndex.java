package dev.cairn.log.storage.embedded;

import dev.cairn.merkle.Hash;
import java.io.IOException;
import java.io.RandomAccessFile;
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
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
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
 * <p>Files, in one directory: {@code meta} (the watermark, each partition's count and synced
 * watermark, and whether the table can be trusted) and {@code p000}…{@code p255}, each a power
 * of two of 40-byte slots (an 8-byte value, the entry's index plus one or 0 for empty, then the
 * 32-byte leaf hash), memory-mapped. A partition doubles when its load passes a threshold
 * between 0.55 and 0.70 that differs per partition, so the doublings of evenly filled
 * partitions spread out instead of coming all at once; a doubling makes a new file beside the
 * old one, which the next sync writes and renames over it. A large partition doubles on a
 * thread of its own while the writer goes on adding to the old table, up to a load of {@link
 * #MAX_LOAD} (see {@link Doubling}). The heap holds nothing per entry.
 *
 * <p>Crashes. The writer maps the files privately: its stores stay in memory (a page is copied
 * from the page cache at its first store), and a thread writes the pages stored to since the
 * last round to the files and syncs them, one partition at a time, every {@link #SYNC_EVERY}
 * (and {@link #close} does), then records the watermark it covered, in {@code meta}. So the
 * files are written in sequential runs at a pace the index sets, never by the kernel's
 * writeback of a shared mapping, and a store never waits for one. An add writes its slots
 * before it raises the watermark, and lookups ignore slots at or above the watermark they read
 * first, so an add cut short shows nothing. After a stop without a clean close (a killed
 * process, a lost machine, a file system that dropped its dirty pages) the index is trusted up
 * to the synced watermark only: every page of a file holds the state of the last round or a
 * later one. The log re-indexes the rest, at most that interval's entries, from the sequence
 * log, except what a partition synced further {@linkplain #holds holds} (a round cut short
 * counts for the partitions it synced). A round syncs a doubling's new file before renaming it
 * in, and then the directory, so a synced watermark never refers to a file that is gone or
 * holds less than it covers. Partition files of the wrong size make the index be discarded and
 * rebuilt. A round that fails records the watermarks of the partitions it synced and nothing
 * else, and leaves its pages marked (and a doubling's file unrenamed) for the next: the tables
 * in memory lose nothing.
 *
 * <p>Lookups run concurrently with the one writer, and with a writer in another process (a
 * {@linkplain #openReadOnly read-only} view, for {@code cairn verify --data}): a slot's
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
  /** Version 2 added each partition's synced watermark; a version 1 index is upgraded. */
  private static final int VERSION = 2;
  private static final int META_SIZE = 8192;
  private static final int V1_META_SIZE = 4096;
  private static final int AT_VERSION = 8;
  private static final int AT_PARTITIONS = 12;
  private static final int AT_CLEAN = 16;
  private static final int AT_WATERMARK = 24;
  private static final int AT_SYNCED = 32;
  private static final int AT_COUNTS = 1024;
  /** Each partition's synced watermark: see {@link #holds}. */
  private static final int AT_PARTITION_SYNCED = 4096;
  /**
   * How often the stores are written and synced, at most: the least a crash makes the log redo
   * (a large table's rounds take longer, see {@link #WRITE_RATE}).
   */
  static final java.time.Duration SYNC_EVERY = java.time.Duration.ofSeconds(30);
  /**
   * The rate a round writes at, at most, in bytes a second, so that it leaves the disk to the
   * sequence log: a busy table is nearly all stored to in a round, so a round of a table of
   * 8.8 GB (100 M entries) takes 2.3 minutes rather than 30 s.
   */
  static final long WRITE_RATE = 64L << 20;
  /** How many keys a lookup reads the first slots of before it probes for any. */
  private static final int GROUP = 32;
  /** How many pages {@link #warm} copies at a time. */
  private static final int WARM_PAGES = 16;
  /** A probe this long means the partition is fuller than its count says: it doubles. */
  private static final int MAX_PROBE = 512;
  /**
   * Tables of at least this many bits (160 KiB; a log of ~600 k entries) double off the
   * writer's thread; smaller ones double on it, which costs less than the hand-over.
   */
  private static final int DOUBLE_ASIDE_FROM = 12;
  /**
   * The load at which the writer waits for a doubling being made aside: linear probing stays
   * short up to it.
   */
  private static final double MAX_LOAD = 0.85;

  private static final VarHandle LONGS =
      MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle DIRTY = MethodHandles.arrayElementVarHandle(long[].class);
  /**
   * File systems where reading a hole of a file through a mapping, or storing to a private
   * copy of it, allocates nothing on the disk, so that a doubling's file can be sparse.
   */
  private static final java.util.Set<String> SPARSE_SAFE =
      java.util.Set.of("ext2", "ext3", "ext4", "xfs", "btrfs", "zfs", "nfs", "nfs4");
  /** What a doubling's new file is written with first where it cannot be sparse. */
  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20).asReadOnlyBuffer();
  /** The unit in which stores are written to the files: a page (4 KiB). */
  private static final int PAGE_BITS = 12;

  private static int pages(int bytes) {
    return (bytes + (1 << PAGE_BITS) - 1) >>> PAGE_BITS;
  }

  /** One partition's slots. */
  private static final class Table {
    /** Its file mapped (privately for the writer), or a doubling's anonymous memory. */
    private final ByteBuffer slots;
    private final int bits;
    /**
     * The writer's: its file, open for the syncs to write the pages stored to (the file the
     * table was mapped from even after a doubling renamed another over it); null otherwise.
     */
    private final FileChannel file;
    /**
     * The writer's: one bit per page stored to since it was last written to the file. Also the
     * lock of a sync of the file, from taking the bits to syncing (or marking them again).
     */
    private final long[] dirty;
    /**
     * The writer's: one bit per page stored to since the file was mapped, so copied into the
     * process's memory; guarded by the index's monitor (the writer's).
     */
    private final long[] copied;
    /** The bytes of every table's copied pages, the index's. */
    private final AtomicLong copiedBytes;
    /** Whether {@link #slots} is a doubling's anonymous memory, not a mapping of its file. */
    private boolean anonymous;
    /** A doubling's count of keys, set when it is made. */
    private long count;
    /** Replaced while held: the last hold on it unmaps it when done. */
    private boolean retired;
    /** Whether unmapping it closes its file (not when a remapping handed the file on). */
    private boolean ownsFile = true;
    /**
     * How many syncs are writing it, or doublings aside copying it, now; guarded by {@link
     * #unmapping}.
     */
    private int syncs;
    /**
     * A doubling's: the temporary file {@link #file} is until a sync, having written and synced
     * it, renames it over the partition's; null once it has (and for any other table).
     */
    private volatile Path pending;

    Table(ByteBuffer slots, int bits) {
      this(slots, bits, null, null, null, null);
    }

    Table(ByteBuffer slots, int bits, FileChannel file, long[] dirty, AtomicLong copiedBytes,
        Path pending) {
      this.slots = slots;
      this.bits = bits;
      this.file = file;
      this.pending = pending;
      int words = (pages(slots.capacity()) + 63) >>> 6;
      this.dirty = file == null ? null : dirty != null ? dirty : new long[words];
      this.copied = file == null ? null : new long[words];
      this.copiedBytes = copiedBytes;
    }

    /** Marks the pages of the slot at {@code at} as stored to. */
    void stored(int at) {
      if (dirty != null) {
        int last = (at + SLOT - 1) >>> PAGE_BITS;
        for (int page = at >>> PAGE_BITS; page <= last; page++) {
          DIRTY.getAndBitwiseOrRelease(dirty, page >>> 6, 1L << page);
        }
        copied(at >>> PAGE_BITS, last + 1);
      }
    }

    /** Marks pages {@code from} (inclusive) to {@code to} as copied into the process's memory. */
    void copied(int from, int to) {
      if (copied != null) {
        for (int page = from; page < to; page++) {
          if ((copied[page >>> 6] & (1L << page)) == 0) {
            copied[page >>> 6] |= 1L << page;
            copiedBytes.addAndGet(1 << PAGE_BITS);
          }
        }
      }
    }

    /** The bytes of its pages copied into the process's memory. */
    long copiedBytes() {
      long n = 0;
      for (long w : copied) {
        n += Long.bitCount(w);
      }
      return n << PAGE_BITS;
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
  /** Whether a doubling's file may be sparse: see {@link #SPARSE_SAFE}. */
  private boolean sparse;
  /** Each partition's count of keys, the writer's copy of what {@code meta} records. */
  private final long[] counts = new long[PARTITIONS];
  private volatile long watermark;
  /**
   * Each partition's synced watermark at the open, where above {@link #watermark}: the partition
   * holds every key of an entry below it (see {@link #holds}).
   */
  private final long[] held = new long[PARTITIONS];
  /** The highest of {@link #held}: once the watermark reaches it, they are all forgotten. */
  private long heldUntil;
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
  private final AtomicLong syncFailures = new AtomicLong();
  /** When the last sync (or the open) ended, in epoch milliseconds. */
  private volatile long syncedAt = System.currentTimeMillis();
  private Thread syncer;
  /** Whether {@link #warmInBackground} started copying; guarded by the monitor. */
  private boolean warming;
  /** The bytes of pages the writer's stores copied into the process's memory. */
  private final AtomicLong copiedBytes = new AtomicLong();
  /** Above this many {@link #copiedBytes}, a sync maps the partitions it syncs afresh. */
  private volatile long memoryBudget = -1;
  /**
   * One per partition, held by a sync from taking its table to renaming a doubling's file in:
   * so the renames of a partition's doublings come in their order.
   */
  private final Object[] partitionSyncs = Stream.generate(Object::new).limit(PARTITIONS)
      .toArray();
  /**
   * Each partition's doubling being made off the writer's thread, or null; the writer's
   * (guarded by the monitor).
   */
  private final Doubling[] doublings = new Doubling[PARTITIONS];
  /** Partitions whose doubling aside failed: they double inline until one works. */
  private final boolean[] doubleInline = new boolean[PARTITIONS];
  /** Makes doublings of tables of at least this many bits off the writer's thread. */
  private int doubleAsideFrom = DOUBLE_ASIDE_FROM;
  /** The thread that makes them, started at the first; guarded by the monitor. */
  private ExecutorService doubler;
  /** A test's hooks, which a doubling made aside calls before it starts and once made. */
  private volatile DoublingHooks doublingHooks;
  /** Whether the writer is waiting for a doubling made aside (tests). */
  private volatile boolean waitingForDoubling;
  /** The last partition whose table the copy into memory waited for a round to release (tests). */
  private volatile int copyWaitedFor = -1;
  /** Released by {@link #close} to stop the syncing thread between two partitions. */
  private final java.util.concurrent.CountDownLatch stopSyncing =
      new java.util.concurrent.CountDownLatch(1);

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
    return open(dir, true);
  }

  /** {@link #open(Path)}; without {@code syncing}, only {@link #sync} and a close sync it. */
  static HashDedupIndex open(Path dir, boolean syncing) throws IOException {
    Files.createDirectories(dir);
    boolean sparse = sparseSafe(dir);
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
    } else if (Files.size(dir.resolve("meta")) == V1_META_SIZE) {
      upgrade(dir);
    }
    MappedByteBuffer meta = map(dir.resolve("meta"), false);
    long watermark = trusted(meta);
    HashDedupIndex index = new HashDedupIndex(dir, false, meta, watermark);
    if (meta.getInt(AT_CLEAN) != 1 && watermark < meta.getLong(AT_WATERMARK)) {
      int further = 0;
      for (int p = 0; p < PARTITIONS; p++) {
        long s = meta.getLong(AT_PARTITION_SYNCED + 8 * p);
        if (s > watermark) {
          index.held[p] = s;
          index.heldUntil = Math.max(index.heldUntil, s);
          further++;
        }
      }
      LOG.info("the dedup index in {} was not closed cleanly: it is trusted up to its last sync,"
          + " size {}, and the log indexes the rest again{}", dir, watermark, further == 0 ? ""
          : " (except what the " + further + " partitions synced further than that hold)");
    }
    index.synced = watermark;
    index.sparse = sparse;
    index.mapTables();
    for (int p = 0; p < PARTITIONS; p++) {
      index.counts[p] = meta.getLong(AT_COUNTS + 8 * p);
    }
    // From now on the index is being written: until a clean close, only a sync is trusted.
    meta.putLong(AT_WATERMARK, watermark);
    meta.putInt(AT_CLEAN, 0);
    force(meta);
    if (syncing) {
      index.syncer = Thread.ofPlatform().daemon().name("cairn-dedup-sync")
          .start(index::syncLoop);
    }
    return index;
  }

  /**
   * A new, empty index in {@code dir} (replacing what is there), to be filled in one go, as a
   * restore does: its tables are kept in anonymous memory, where random stores cost a tenth of
   * what they cost in a file mapping, and written out, synced and marked clean by {@link
   * #close}; until then the files hold an empty index. {@linkplain #reserve Reserve} it first
   * (each doubling would allocate and copy), in direct memory: see {@link #fitsInMemory}.
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

  /**
   * Whether {@link #build} can hold {@code entries}, {@linkplain #reserve reserved}, in this
   * JVM's direct memory ({@code -XX:MaxDirectMemorySize}, by default the heap's limit) and in
   * half of the machine's memory (the tables are written out from there at the end).
   */
  public static boolean fitsInMemory(long entries) {
    long need = reservedBytes(entries);
    long machine = java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getTotalMemorySize() / 2 : Long.MAX_VALUE;
    return need < DIRECT_LIMIT && need < machine;
  }

  /**
   * What the index lets its tables take of this JVM's direct memory: its limit ({@code
   * -XX:MaxDirectMemorySize}, by default the heap's) less an eighth, and at least 256 MiB, left
   * to the HTTP server and the JDK's I/O.
   */
  private static final long DIRECT_LIMIT = directLimit();

  private static long directLimit() {
    long direct = Runtime.getRuntime().maxMemory();
    try {
      var diagnostics = java.lang.management.ManagementFactory.getPlatformMXBean(
          com.sun.management.HotSpotDiagnosticMXBean.class);
      long set = Long.parseLong(diagnostics.getVMOption("MaxDirectMemorySize").getValue());
      direct = set > 0 ? set : direct;
    } catch (RuntimeException | LinkageError notHotSpot) {
      // the heap's limit, as HotSpot's default
    }
    return direct - Math.max(direct / 8, 256L << 20);
  }

  /** The JVM's direct buffers, whose use {@link #anonymous} checks against its limit. */
  private static final java.lang.management.BufferPoolMXBean DIRECT =
      java.lang.management.ManagementFactory
          .getPlatformMXBeans(java.lang.management.BufferPoolMXBean.class).stream()
          .filter(pool -> pool.getName().equals("direct")).findFirst().orElse(null);

  /** The bytes of the tables of an index {@linkplain #reserve reserved} for {@code entries}. */
  static long reservedBytes(long entries) {
    long bytes = 0;
    for (int p = 0; p < PARTITIONS; p++) {
      bytes += (long) SLOT << reservedBits(p, MIN_BITS, entries);
    }
    return bytes;
  }

  /** The slots, as a power of two, that partition {@code p} needs for its share of entries. */
  private static int reservedBits(int p, int bits, long entries) {
    double share = (double) entries / PARTITIONS;
    long room = (long) Math.ceil(share + 6 * Math.sqrt(share));
    while (bits < MAX_BITS && threshold(p, bits) <= room) {
      bits++;
    }
    return bits;
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
        tables.set(p, table(dir, p, readOnly, copiedBytes));
      }
    } catch (IOException | RuntimeException e) {
      for (int p = 0; p < PARTITIONS; p++) {
        if (tables.get(p) != null) {
          unmap(tables.get(p));
        }
      }
      unmap(meta);
      throw e;
    }
  }

  /**
   * Rewrites a version 1 {@code meta} (from before partitions recorded their own synced
   * watermarks) as version 2, each partition's own watermark unknown (0): in one rename, so a
   * crash leaves one or the other.
   */
  private static void upgrade(Path dir) throws IOException {
    byte[] meta = java.util.Arrays.copyOf(Files.readAllBytes(dir.resolve("meta")), META_SIZE);
    ByteBuffer.wrap(meta).putInt(AT_VERSION, VERSION);
    AtomicFiles.write(dir.resolve("meta"), meta, dir);
    LOG.info("upgraded the dedup index in {} to version {}", dir, VERSION);
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
    byte[] keys = new byte[leafHashes.size() * Hash.SIZE];
    int i = 0;
    for (Hash h : leafHashes) {
      h.copyTo(keys, Hash.SIZE * i++);
    }
    long[] indices = new long[i];
    lookup(keys, i, indices);
    Map<Hash, Long> found = new HashMap<>();
    i = 0;
    for (Hash h : leafHashes) {
      if (indices[i++] >= 0) {
        found.put(h, indices[i - 1]);
      }
    }
    return found;
  }

  @Override
  public void lookup(byte[] keys, int count, long[] indices) throws IOException {
    reading.lock();
    try {
      if (closed) {
        throw new IOException("the dedup index in " + dir + " is closed");
      }
      lookUp(ByteBuffer.wrap(keys), count, indices);
    } finally {
      reading.unlock();
    }
  }

  private void lookUp(ByteBuffer keys, int count, long[] indices) {
    long below = watermark;
    if (below == 0) { // nothing to find (and a read-only view of a discarded index maps nothing)
      java.util.Arrays.fill(indices, 0, count, -1);
      return;
    }
    Table[] ts = new Table[GROUP];
    long[] firsts = new long[GROUP];
    for (int from = 0; from < count; from += GROUP) {
      int n = Math.min(GROUP, count - from);
      // Each key's first slot is read before any key is probed: reads that do not wait for
      // each other, so the CPU has a group's cache and TLB misses in flight at once.
      for (int j = 0; j < n; j++) {
        long k0 = keys.getLong((from + j) * Hash.SIZE);
        ts[j] = tables.get((int) (k0 >>> 56));
        firsts[j] = (long) LONGS.getAcquire(ts[j].slots(), start(k0, ts[j].bits()) * SLOT);
      }
      for (int j = 0; j < n; j++) {
        long value = find(ts[j], keys, (from + j) * Hash.SIZE, firsts[j]);
        indices[from + j] = value != 0 && value - 1 < below ? value - 1 : -1;
      }
    }
  }

  /**
   * The value (the index plus one) of the key at {@code off} in {@code keys} in {@code t}, or 0
   * if it is absent; {@code first} is the value of the key's first slot, read already.
   */
  private static long find(Table t, ByteBuffer keys, int off, long first) {
    long k0 = keys.getLong(off);
    int mask = t.mask();
    int i = start(k0, t.bits());
    long value = first;
    // put() places no key farther than this from its start (a table whose count was lost can
    // be full: the limit ends the probe).
    for (int probe = 0; probe < probes(t) && value != 0; probe++) {
      if (matches(t.slots(), i * SLOT, keys, off)) {
        return value;
      }
      i = (i + 1) & mask;
      value = (long) LONGS.getAcquire(t.slots(), i * SLOT);
    }
    return 0;
  }

  @Override
  public synchronized void add(List<Mapping> mappings, long newWatermark) throws IOException {
    if (readOnly || closing) {
      throw new IllegalStateException("the dedup index in " + dir + " is "
          + (readOnly ? "open for reading only" : "closed"));
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
    if (heldUntil > 0 && watermark >= heldUntil) {
      // Caught up: what the files held is below the watermark now. Forgotten, so that nothing
      // recorded can ever stand for entries the log adds later.
      java.util.Arrays.fill(held, 0);
      heldUntil = 0;
    }
  }

  /**
   * Makes every partition large enough for its share of {@code entries} keys in all (with six
   * standard deviations to spare), so that adding that many doubles none: for a restore or a
   * rebuild, which know their size. A doubling copies its partition's keys, and in memory also
   * allocates and zeroes the new table: measured, most of a restore's indexing time. Partitions
   * already that large are left alone.
   */
  @Override
  public synchronized void reserve(long entries) throws IOException {
    if (readOnly || closing) {
      throw new IllegalStateException("the dedup index in " + dir + " is "
          + (readOnly ? "open for reading only" : "closed"));
    }
    for (int p = 0; p < PARTITIONS; p++) {
      Table t = doublings[p] != null ? finishDoubling(p) : tables.get(p);
      int bits = reservedBits(p, t.bits(), entries);
      if (bits > t.bits()) {
        grow(p, t, bits);
      }
    }
  }

  @Override
  public long watermark() {
    return watermark;
  }

  /**
   * Whether the key at {@code off} in {@code keys} is in the files as the entry {@code index}
   * already, above the watermark: after a stop without a clean close, the entries below the
   * synced watermark of the key's partition, which a round cut short synced (or a later round
   * of that partition than of all).
   */
  @Override
  public synchronized boolean holds(byte[] keys, int off, long index) {
    return index < held[keys[off] & 0xff];
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
    // Stopped without interrupting it (that would close the files it writes) and without
    // holding the monitor.
    stopSyncing.countDown();
    if (stopping != null) {
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
      dropDoublings();
      if (inMemory) {
        try {
          finish();
        } catch (IOException | RuntimeException e) {
          LOG.warn("couldn't write the dedup index built in memory to {}; the log builds it"
              + " again at its next start: {}", dir, e.toString());
        }
      } else if (!readOnly) {
        // An interrupted thread's writes would close the files: the flag waits until after.
        boolean interrupted = Thread.interrupted();
        try {
          sync(true);
        } catch (IOException | RuntimeException e) {
          LOG.warn("couldn't sync the dedup index in {}; the log indexes what it added since"
              + " size {} again at its next start: {}", dir, synced, e.toString());
        } finally {
          if (interrupted) {
            Thread.currentThread().interrupt();
          }
        }
      }
      unmapping.lock();
      try {
        closed = true;
        for (int p = 0; p < PARTITIONS; p++) {
          if (tables.get(p) != null) {
            unmap(tables.get(p));
          }
        }
        unmap(meta);
      } finally {
        unmapping.unlock();
      }
      for (int p = 0; p < PARTITIONS; p++) {
        if (tables.get(p) != null) {
          discard(tables.get(p));
        }
      }
    }
  }

  /**
   * The memory the writer's copies of pages may take before syncs remap the partitions they
   * sync: half of the machine's (or the container's) memory, which the JVM reports. Measured
   * at a quarter, a log of 100 M entries on a 23 GB machine passed it at ~85 M and then took
   * 32-38 k entries/s, against 240-337 k below it.
   */
  public long memoryBudget() {
    long budget = memoryBudget;
    if (budget < 0) {
      budget = java.lang.management.ManagementFactory.getOperatingSystemMXBean()
          instanceof com.sun.management.OperatingSystemMXBean os
          ? os.getTotalMemorySize() / 2 : 1L << 30;
      memoryBudget = budget;
    }
    return budget;
  }

  /**
   * Starts copying the tables' pages into the process's memory in the background ({@link
   * #warm}), once, if the index syncs itself. The log starts it once it is served: on two cores
   * the copy, from the index's open on, took a core's share from the log's open (14% of the CPU
   * samples of a start at 100 M entries).
   */
  @Override
  public synchronized void warmInBackground() {
    if (syncer != null && !warming && !closing && !closed) {
      warming = true;
      Thread.ofPlatform().daemon().name("cairn-dedup-warm").start(this::warm);
    }
  }

  /**
   * Copies the tables into the process's memory, once started, in the background, as long as
   * the copies stay within {@link #memoryBudget()}: a mapped page's first store costs a fault
   * that copies it, and after a read (every add is looked up first) also a flush of the other
   * cores' TLBs. Measured at 100 M entries (2.6 M pages) on a 2-core VM, that held
   * {@code /add-batch} at 12-14 k entries/s for minutes after every start, against ~300 k once
   * the pages were copied. Each table is read from its file into anonymous memory ({@link
   * #load}); where that does not fit, its pages are copied one by one ({@link #warmPages}). It
   * stops short of the budget, so that a sync does not give back at once what it copied.
   */
  private void warm() {
    long started = System.nanoTime();
    long before = copiedBytes.get();
    for (int p = 0; p < PARTITIONS; p++) {
      try {
        if (stopSyncing.getCount() == 0 || !load(p) && !warmPages(p)) {
          return;
        }
      } catch (IOException | RuntimeException e) {
        if (stopSyncing.getCount() != 0) {
          LOG.warn("stopped copying the dedup index in {} into memory: {}", dir, e.toString());
        }
        return;
      }
    }
    LOG.info("copied {} MB of the dedup index in {} into memory in {} ms",
        (copiedBytes.get() - before) >> 20, dir, (System.nanoTime() - started) / 1_000_000);
  }

  /**
   * Reads partition {@code p}'s table from its file into anonymous memory and puts that in its
   * place, with the pages stored to since the file was mapped copied from the mapping (the file
   * may not hold them yet): one read of the file instead of a fault per page, and huge pages
   * where the launcher has them asked for. True if done or not needed (the table was replaced
   * meanwhile, by a doubling in memory or a sync past the budget); false where it does not fit
   * (see {@link #anonymous}), or the table is a doubling's mapped past the budget.
   */
  private boolean load(int p) throws IOException {
    Table t;
    unmapping.lock();
    try {
      t = tables.get(p);
      if (closed || t.anonymous) {
        return true;
      }
      if (t.pending != null) {
        return false;
      }
      t.syncs++; // mapped, and its file open, until released
    } finally {
      unmapping.unlock();
    }
    ByteBuffer memory = null;
    try {
      long size = t.slots().capacity();
      long replaced; // the pages of the mapping already copied, given back by the swap below
      synchronized (this) {
        replaced = t.copiedBytes();
      }
      if (copiedBytes.get() - replaced + size > memoryBudget() - memoryBudget() / 16
          || (memory = anonymous(size, replaced)) == null) {
        return false;
      }
      try {
        for (ByteBuffer into = memory.duplicate(); into.hasRemaining(); ) {
          if (t.file.read(into, into.position()) < 0) {
            throw new java.io.EOFException("the dedup index's partition " + p + " is shorter"
                + " than its mapping");
          }
        }
      } catch (IOException e) {
        synchronized (this) {
          if (tables.get(p) != t) { // replaced, and its file maybe closed with its successor
            return true;
          }
        }
        throw e;
      }
      // The file's pages change only where a round writes a page stored to, which is copied
      // from the mapping here anyway: so the read stays good while a round holding the table
      // is waited out.
      while (true) {
        synchronized (this) { // the writer's: no store to the table meanwhile
          if (closing || closed || tables.get(p) != t || doublings[p] != null) {
            return true;
          }
          int pages = pages(t.slots().capacity());
          for (int page = next(t.copied, 0, pages); page < pages; ) {
            int end = runEnd(t.copied, page, pages);
            int from = page << PAGE_BITS;
            int to = Math.min(t.slots().capacity(), end << PAGE_BITS);
            memory.put(from, t.slots(), from, to - from);
            page = next(t.copied, end, pages);
          }
          Table loaded = new Table(memory, t.bits(), t.file, t.dirty, copiedBytes, null);
          loaded.anonymous = true;
          boolean held;
          unmapping.lock();
          try {
            // Not while a round writes the old table: it would clear the marks of the stores
            // made to the new one, and write the old one's pages in their place.
            held = t.syncs != 1;
            if (!held) {
              tables.set(p, loaded);
              t.retired = true; // and unmapped by the release below, or by a sync holding it
              t.ownsFile = false;
              copiedBytes.addAndGet(-t.copiedBytes());
            }
          } finally {
            unmapping.unlock();
          }
          if (!held) {
            loaded.copied(0, pages);
            memory = null;
            return true;
          }
        }
        copyWaitedFor = p;
        synchronized (partitionSyncs[p]) { // until the round holding it is past this partition
          Thread.onSpinWait();
        }
        Thread.yield();
      }
    } finally {
      if (memory != null) {
        unmap(memory);
      }
      release(t);
    }
  }

  /**
   * Copies partition {@code p}'s mapped pages into the process's memory one by one: each page
   * costs one fault, off the writer's path; a doubling (and so the writer) waits for the chunk
   * of pages being copied, which holds {@link #reading}. False once the copies near the budget,
   * or the index closed.
   */
  private boolean warmPages(int p) {
    for (int page = 0; ; page += WARM_PAGES) {
      if (stopSyncing.getCount() == 0) {
        return false;
      }
      if (copiedBytes.get() >= memoryBudget() - memoryBudget() / 16) {
        LOG.info("stopped copying the dedup index in {} into memory at {} MB, near its memory"
            + " budget of {} MB", dir, copiedBytes.get() >> 20, memoryBudget() >> 20);
        return false;
      }
      Table t;
      int to;
      reading.lock(); // the table stays mapped meanwhile
      try {
        if (closed) {
          return false;
        }
        t = tables.get(p);
        to = Math.min(pages(t.slots().capacity()), page + WARM_PAGES);
        for (int q = page; q < to; q++) {
          // Adding 0 atomically stores to the page without losing a store of the writer's.
          LONGS.getAndAdd(t.slots(), q << PAGE_BITS, 0L);
        }
      } finally {
        reading.unlock();
      }
      synchronized (this) {
        if (tables.get(p) == t) { // else replaced, and its copies counted no more
          t.copied(page, to);
        }
      }
      if (to == pages(t.slots().capacity())) {
        return true;
      }
    }
  }

  /** Holds partition {@code p}'s table as a sync round does, until the call returned (tests). */
  Runnable holdAsARound(int p) {
    Table t;
    unmapping.lock();
    try {
      t = tables.get(p);
      t.syncs++;
    } finally {
      unmapping.unlock();
    }
    return () -> release(t);
  }

  /** The last partition whose table the copy into memory waited for a round to release (tests). */
  int copyWaitedFor() {
    return copyWaitedFor;
  }

  /** How many partitions' tables are in anonymous memory rather than mapped (tests). */
  synchronized int tablesInMemory() {
    int n = 0;
    for (int p = 0; p < PARTITIONS; p++) {
      n += tables.get(p).anonymous ? 1 : 0;
    }
    return n;
  }

  /** Sets {@link #memoryBudget()} (tests). */
  void memoryBudget(long bytes) {
    memoryBudget = bytes;
  }

  /**
   * The bytes of the tables' pages in the process's memory: copied there by the writer's stores
   * (and doublings), kept until a sync past {@link #memoryBudget()} gives them back.
   */
  public long copiedBytes() {
    return copiedBytes.get();
  }

  /** The entries added since the last sync: what a crash now would make the log index again. */
  public long unsynced() {
    return Math.max(0, watermark - synced);
  }

  /** How many syncs failed since the index was opened. */
  public long syncFailures() {
    return syncFailures.get();
  }

  /** When the last sync ended (or the index was opened), in epoch milliseconds. */
  public long syncedAt() {
    return syncedAt;
  }

  /**
   * Syncs the partitions one at a time, spread over {@link #SYNC_EVERY}, so that their writeback
   * is a steady trickle beside the sequence log's syncs rather than one burst of the whole
   * table every interval (which, measured, halved the write rate while it lasted).
   */
  private void syncLoop() {
    boolean failing = false;
    try {
      while (true) {
        try {
          if (!sync(false, SYNC_EVERY.dividedBy(PARTITIONS))) {
            return;
          }
          if (failing) {
            LOG.info("the dedup index in {} is synced again", dir);
            failing = false;
          }
        } catch (IOException | RuntimeException e) {
          if (!failing) {
            LOG.warn("couldn't sync the dedup index in {}; it is retried every {} s, and until"
                + " it succeeds a stop without a clean close makes the log index again what it"
                + " added since size {}: {}", dir, SYNC_EVERY.toSeconds(), synced, e.toString());
            failing = true;
          }
          if (stopSyncing.await(SYNC_EVERY.toMillis(), TimeUnit.MILLISECONDS)) {
            return;
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Writes every partition's stored-to pages to its file and syncs it, then records the
   * watermark read before as synced (and with {@code clean}, marks the index closed cleanly).
   * Runs beside the writer. A failed sync records only the watermarks of the partitions it
   * synced before it failed (see {@link #recordSynced}); the pages it did not get onto the
   * disk are written again by the next.
   */
  void sync(boolean clean) throws IOException {
    try {
      sync(clean, java.time.Duration.ZERO);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while syncing the dedup index in " + dir, e);
    }
  }

  /**
   * {@link #sync(boolean)}, pausing {@code pace} after each partition; false if the index was
   * closed or is closing (only {@link #close}'s own sync goes on then).
   */
  private boolean sync(boolean clean, java.time.Duration pace)
      throws IOException, InterruptedException {
    try {
      return syncPartitions(clean, pace, PARTITIONS);
    } catch (IOException | RuntimeException e) {
      syncFailures.incrementAndGet();
      throw e;
    }
  }

  /**
   * A round cut short after the first {@code partitions} partitions, as a stop (or a failure)
   * cuts one (tests).
   */
  void syncFirst(int partitions) throws IOException, InterruptedException {
    syncPartitions(false, java.time.Duration.ZERO, partitions);
  }

  /** A round of the first {@code partitions}: it records a watermark only if that is all. */
  private boolean syncPartitions(boolean clean, java.time.Duration pace, int partitions)
      throws IOException, InterruptedException {
    long covered = watermark;
    for (int p = 0; p < partitions; p++) {
      // Not under the lock, which would hold up a doubling (and so the writer) for as long as
      // the disk takes to write the partition: a table replaced meanwhile is left mapped, for
      // this thread to unmap.
      Table t;
      long written;
      synchronized (partitionSyncs[p]) {
        unmapping.lock();
        try {
          if (closed) {
            return false;
          }
          t = tables.get(p);
          t.syncs++;
        } finally {
          unmapping.unlock();
        }
        try {
          // A table a doubling replaces meanwhile is still written: the partition's file
          // holds what it covers until a later round renames the doubling's in.
          written = writeStoredPages(t);
          Path tmp = t.pending;
          if (tmp != null) {
            // Even if a doubling replaced it meanwhile: it holds every key the round covers,
            // and the replacement is renamed in after it. Gone already if a round renamed it
            // and then failed to sync the directory.
            if (Files.exists(tmp)) {
              Files.move(tmp, partition(dir, p), StandardCopyOption.ATOMIC_MOVE,
                  StandardCopyOption.REPLACE_EXISTING);
            }
            // On the disk before a watermark says that the partition's file holds a key.
            AtomicFiles.syncDirectory(dir);
            t.pending = null;
          }
          recordSynced(p, covered);
        } catch (IOException | RuntimeException e) {
          release(t);
          throw e;
        }
      }
      boolean over;
      try {
        over = copiedBytes.get() > memoryBudget();
        if (over) {
          remap(p, t);
        }
      } finally {
        release(t);
      }
      // Past the budget, the next partition at once: its copies are what the memory holds.
      long wait = over ? 0 : Math.max(pace.toNanos(), written * 1_000_000_000L / WRITE_RATE);
      if (!pace.isZero() && stopSyncing.await(wait, TimeUnit.NANOSECONDS)) {
        return false;
      }
    }
    if (partitions < PARTITIONS) {
      return false;
    }
    AtomicFiles.syncDirectory(dir); // so are the rest of the round's directory changes
    reading.lock();
    try {
      if (closed) {
        return false;
      }
      if (covered > synced) {
        LONGS.setRelease(meta, AT_SYNCED, covered);
        synced = covered;
      }
      syncedAt = System.currentTimeMillis();
      if (clean) {
        meta.putInt(AT_CLEAN, 1);
      }
      force(meta);
    } finally {
      reading.unlock();
    }
    return true;
  }

  /**
   * Records that partition {@code p}'s file holds every key of an entry below {@code covered}:
   * after a stop without a clean close, what a round cut short (by the stop, or a failure) did
   * sync of the partitions counts, and the log does not index it again. Never lowered: the table
   * in memory holds what the file held, so a later round's file holds it too. Not synced: the
   * kernel writes {@code meta} when it will, and a record lost with it only costs a catch-up.
   */
  private void recordSynced(int p, long covered) {
    reading.lock();
    try {
      int at = AT_PARTITION_SYNCED + 8 * p;
      if (!closed && covered > (long) LONGS.getAcquire(meta, at)) {
        LONGS.setRelease(meta, at, covered);
      }
    } finally {
      reading.unlock();
    }
  }

  /**
   * Ends a sync's (or a doubling aside's) hold on {@code t}: the last one unmaps it if a
   * doubling or a remapping retired it.
   */
  private void release(Table t) {
    boolean unmapped = false;
    unmapping.lock();
    try {
      if (--t.syncs == 0 && t.retired) {
        unmap(t);
        unmapped = true;
      }
    } finally {
      unmapping.unlock();
    }
    if (unmapped) {
      discard(t);
    }
  }

  /**
   * Writes the pages of {@code t} stored to since its last sync to its file, in runs of
   * adjacent pages, and syncs the file. On a failure the pages are marked again, for the next
   * sync: the table in memory holds every store whatever happened to the file. Returns the
   * bytes written. Two syncs of one file take turns: a second one would find no pages marked
   * and could record a watermark before the first has them on the disk.
   */
  private static long writeStoredPages(Table t) throws IOException {
    synchronized (t.dirty) {
      long[] taken = marked(t, true);
      try {
        long written = writePages(t, taken);
        t.file.force(false);
        return written;
      } catch (IOException | RuntimeException e) {
        for (int w = 0; w < taken.length; w++) {
          DIRTY.getAndBitwiseOrRelease(t.dirty, w, taken[w]);
        }
        throw e;
      }
    }
  }

  /** A copy of {@code t}'s marks; with {@code take}, the marks are cleared as they are read. */
  private static long[] marked(Table t, boolean take) {
    long[] marked = new long[t.dirty.length];
    for (int w = 0; w < marked.length; w++) {
      marked[w] = take ? (long) DIRTY.getAndSet(t.dirty, w, 0L)
          : (long) DIRTY.getAcquire(t.dirty, w);
    }
    return marked;
  }

  /** Writes the pages of {@code t} marked in {@code marked} to its file; returns the bytes. */
  private static long writePages(Table t, long[] marked) throws IOException {
    long written = 0;
    int pages = pages(t.slots().capacity());
    for (int page = next(marked, 0, pages); page < pages; ) {
      int end = runEnd(marked, page, pages);
      int from = page << PAGE_BITS;
      int to = Math.min(t.slots().capacity(), end << PAGE_BITS);
      ByteBuffer run = t.slots().slice(from, to - from);
      while (run.hasRemaining()) {
        t.file.write(run, from + run.position());
      }
      written += to - from;
      page = next(marked, end, pages);
    }
    return written;
  }

  /**
   * Maps partition {@code p}'s file afresh in place of {@code t}, just synced, which frees the
   * pages copied into the process's memory: what a store to one costs then is one more copy.
   * The writer waits meanwhile; the pages it stored to since the sync are written and synced
   * first, and stay marked for the next round.
   */
  private void remap(int p, Table t) throws IOException {
    synchronized (this) {
      // Not while a doubling aside copies the table: its pages that this process never stored
      // to are the page cache's, which the next round would write the fresh table's stores to.
      if (closing || closed || tables.get(p) != t || doublings[p] != null) {
        return;
      }
      Table fresh;
      synchronized (t.dirty) {
        writePages(t, marked(t, false));
        t.file.force(false);
        fresh = new Table(t.file.map(FileChannel.MapMode.PRIVATE, 0, t.slots().capacity()),
            t.bits(), t.file, t.dirty, copiedBytes, null);
      }
      unmapping.lock();
      try {
        tables.set(p, fresh);
        t.retired = true; // and unmapped by the round holding it
        t.ownsFile = false;
        copiedBytes.addAndGet(-t.copiedBytes());
      } finally {
        unmapping.unlock();
      }
    }
  }

  /** The first page from {@code page} not marked in {@code bits}, or {@code pages}. */
  private static int runEnd(long[] bits, int page, int pages) {
    while (page < pages && (bits[page >>> 6] & (1L << page)) != 0) {
      page++;
    }
    return page;
  }

  /** The first page from {@code page} marked in {@code bits}, or {@code pages}. */
  private static int next(long[] bits, int page, int pages) {
    for (int w = page >>> 6; w < bits.length; w++) {
      long word = w == page >>> 6 ? bits[w] & (-1L << page) : bits[w];
      if (word != 0) {
        return Math.min(pages, (w << 6) + Long.numberOfTrailingZeros(word));
      }
    }
    return pages;
  }

  // ---- The table ----------------------------------------------------------------------------

  private static int start(long k0, int bits) {
    return (int) ((k0 << 8) >>> (64 - bits));
  }

  /** Whether the slot at {@code at} holds the key at {@code off} in {@code keys}. */
  private static boolean matches(ByteBuffer slots, int at, ByteBuffer keys, int off) {
    return slots.getLong(at + 8) == keys.getLong(off)
        && slots.getLong(at + 16) == keys.getLong(off + 8)
        && slots.getLong(at + 24) == keys.getLong(off + 16)
        && slots.getLong(at + 32) == keys.getLong(off + 24);
  }

  /**
   * Puts {@code key → index} in its partition, replacing the key's index if it has one. A full
   * partition doubles first, so its load never passes its threshold, and a doubling that fails
   * leaves the key out. A large partition's doubling is made aside (see {@link Doubling}): its
   * load may then rise to {@link #MAX_LOAD} before the writer waits for it, and if it fails,
   * the partition doubles inline, which fails the add if it fails too.
   */
  private void insert(ByteBuffer k, long index) throws IOException {
    int p = (int) (k.getLong(0) >>> 56);
    Doubling d = doublings[p];
    if (d != null && (d.built.isDone() || counts[p] >= maxLoad(tables.get(p).bits()))) {
      finishDoubling(p);
    }
    Table t = tables.get(p);
    if (doublings[p] == null && counts[p] >= threshold(p, t.bits())) {
      // Inline where a doubling aside failed until one inline works (a full disk fails the
      // add then, before it stores the key), and where the table is too full to wait for one.
      if (inMemory || t.bits() < doubleAsideFrom || t.bits() >= MAX_BITS || doubleInline[p]
          || counts[p] >= maxLoad(t.bits())) {
        t = grow(p, t);
      } else {
        startDoubling(p, t);
      }
    }
    int put;
    while ((put = put(t, k, index)) == FULL) {
      t = doublings[p] != null ? finishDoubling(p) : grow(p, t);
    }
    if (doublings[p] != null) {
      doublings[p].added(k, index);
    }
    if (put == ADDED) {
      counts[p]++;
      meta.putLong(AT_COUNTS + 8 * p, counts[p]);
    }
  }

  /** The count at which the writer waits for a doubling made aside of a table of 2^bits. */
  private static long maxLoad(int bits) {
    return (long) (MAX_LOAD * (1L << bits));
  }

  /**
   * A partition's doubling made on the {@link #doubler} thread while the writer goes on adding
   * to the old table, which lookups go on reading: a doubling of a large partition copies tens
   * of MB (84 MB at 100 M entries), and every add of the batch would wait for it. The writer
   * notes what it adds to the partition meanwhile, and once the new table is made puts those
   * keys in it too and puts it in place (as an inline doubling does): the new table then holds
   * every key of the old one.
   */
  private static final class Doubling {
    final CompletableFuture<Table> built;
    /** Set to stop making it (a close): its copy ends early. */
    final AtomicBoolean dropped;
    /** The keys (32 bytes each) and indices added to the partition since it started. */
    private byte[] keys = new byte[16 * Hash.SIZE];
    private long[] indices = new long[16];
    private int added;

    Doubling(CompletableFuture<Table> built, AtomicBoolean dropped) {
      this.built = built;
      this.dropped = dropped;
    }

    void added(ByteBuffer k, long index) {
      if (added == indices.length) {
        keys = java.util.Arrays.copyOf(keys, 2 * keys.length);
        indices = java.util.Arrays.copyOf(indices, 2 * indices.length);
      }
      k.get(0, keys, added * Hash.SIZE, Hash.SIZE);
      indices[added++] = index;
    }
  }

  /**
   * Starts doubling partition {@code p}'s table {@code old} aside. The table is held as a sync
   * holds one, so that a sync remapping it meanwhile leaves it mapped until the copy is done.
   */
  private void startDoubling(int p, Table old) {
    if (doubler == null) {
      doubler = Executors.newSingleThreadExecutor(
          Thread.ofPlatform().daemon().name("cairn-dedup-double").factory());
    }
    unmapping.lock();
    try {
      old.syncs++;
    } finally {
      unmapping.unlock();
    }
    DoublingHooks hooks = doublingHooks;
    AtomicBoolean dropped = new AtomicBoolean();
    CompletableFuture<Table> built;
    try {
      built = CompletableFuture.supplyAsync(() -> {
        try {
          if (hooks != null) {
            hooks.starting();
          }
          if (dropped.get()) {
            throw new CancellationException("a dedup doubling dropped");
          }
          Table grown = doubled(p, old, old.bits() + 1, dropped);
          if (hooks != null) {
            try {
              hooks.made();
            } catch (InterruptedException | RuntimeException e) {
              discardUnused(grown);
              throw e;
            }
          }
          return grown;
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("a dedup index doubling was interrupted", e);
        } finally {
          release(old);
        }
      }, doubler);
    } catch (RuntimeException | Error e) { // no thread, or the pool refused it
      release(old);
      throw e;
    }
    doublings[p] = new Doubling(built, dropped);
  }

  /**
   * Puts partition {@code p}'s doubling made aside in place, waiting for it if need be, with
   * the keys added since it started; one that failed is made again inline, which fails the add
   * if it fails again. Returns the partition's table.
   */
  private Table finishDoubling(int p) throws IOException {
    Doubling d = doublings[p];
    doublings[p] = null;
    Table grown;
    waitingForDoubling = !d.built.isDone();
    try {
      grown = d.built.join();
    } catch (CompletionException | CancellationException e) {
      LOG.warn("couldn't double partition {} of the dedup index in {} aside, doubling it now: {}",
          p, dir, (e.getCause() != null ? e.getCause() : e).toString());
      doubleInline[p] = true;
      return grow(p, tables.get(p));
    } finally {
      waitingForDoubling = false;
    }
    long count = grown.count;
    ByteBuffer k = ByteBuffer.wrap(d.keys);
    for (int i = 0; i < d.added; i++) {
      int put = put(grown, k.slice(i * Hash.SIZE, Hash.SIZE), d.indices[i]);
      if (put == FULL) { // a count lost in a crash: the old table was fuller than it said
        discardUnused(grown);
        return grow(p, tables.get(p), grown.bits() + 1);
      }
      if (put == ADDED) {
        count++;
      }
    }
    counts[p] = count;
    meta.putLong(AT_COUNTS + 8 * p, count);
    return replace(p, tables.get(p), grown);
  }

  /** Frees a doubling's table that was never put in place, and deletes its file. */
  private void discardUnused(Table grown) {
    if (grown.copied != null) {
      copiedBytes.addAndGet(-grown.copiedBytes());
    }
    unmap(grown);
    discard(grown);
  }

  /** Waits for every doubling made aside and drops it: the old tables hold every key. */
  private void dropDoublings() {
    for (Doubling d : doublings) {
      if (d != null) {
        d.dropped.set(true);
      }
    }
    for (int p = 0; p < PARTITIONS; p++) {
      Doubling d = doublings[p];
      doublings[p] = null;
      if (d != null) {
        try {
          discardUnused(d.built.join());
        } catch (CompletionException | CancellationException e) {
          LOG.debug("a dedup index doubling failed: {}", e.toString());
        }
      }
    }
    if (doubler != null) {
      doubler.shutdown();
    }
  }

  /** What a test does in a doubling made aside: before it starts, and once it is made. */
  interface DoublingHooks {
    void starting() throws InterruptedException;

    void made() throws InterruptedException;
  }

  /** Makes doublings of tables of {@code fromBits} and more aside, calling {@code hooks}. */
  void doubleAside(int fromBits, DoublingHooks hooks) {
    doubleAsideFrom = fromBits;
    doublingHooks = hooks;
  }

  /** Waits for the doublings being made aside and puts them in place (tests). */
  synchronized void settleDoublings() throws IOException {
    for (int p = 0; p < PARTITIONS; p++) {
      if (doublings[p] != null) {
        finishDoubling(p);
      }
    }
  }

  /** How many doublings are being made aside, or wait to be put in place (tests). */
  synchronized int doublingsAside() {
    int n = 0;
    for (Doubling d : doublings) {
      n += d != null ? 1 : 0;
    }
    return n;
  }

  /** Whether the writer is waiting for a doubling made aside (tests). */
  boolean waitingForDoubling() {
    return waitingForDoubling;
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
        store(t, at, k, index);
        return ADDED;
      }
      if (matches(slots, at, k, 0)) {
        // Stored and marked even if unchanged: a repeat (the log indexing again after a
        // crash) may find a page the crashed process left in the page cache, never synced and
        // maybe never to be, which the next sync must write.
        store(t, at, k, index);
        return PRESENT;
      }
    }
    return FULL;
  }

  /**
   * Writes a slot: the key, then the value, published to lookups with release semantics; then
   * marks its pages for the next sync.
   */
  private static void store(Table t, int at, ByteBuffer k, long index) {
    ByteBuffer slots = t.slots();
    for (int i = 0; i < Hash.SIZE; i += 8) {
      slots.putLong(at + 8 + i, k.getLong(i));
    }
    LONGS.setRelease(slots, at, index + 1);
    t.stored(at);
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
   * Doubles partition {@code p} into a new file that the next sync renames over the old one.
   * Readers holding the old table go on reading it.
   */
  private Table grow(int p, Table old) throws IOException {
    return grow(p, old, old.bits() + 1);
  }

  /** {@link #grow(int, Table)} to a table of 2^{@code bits} slots. */
  private Table grow(int p, Table old, int bits) throws IOException {
    Table grown = doubled(p, old, bits, null);
    doubleInline[p] = false;
    counts[p] = grown.count;
    meta.putLong(AT_COUNTS + 8 * p, grown.count);
    return replace(p, old, grown);
  }

  /**
   * A table of 2^{@code bits} slots holding every key of partition {@code p}'s {@code old}
   * (its {@code count} set), not yet in place: on the writer's thread, or on the {@link
   * #doubler}'s while the writer adds to {@code old}, so the slots are read with acquire (an
   * add writes the key first and the value last).
   */
  private Table doubled(int p, Table old, int bits, AtomicBoolean dropped)
      throws IOException {
    if (bits > MAX_BITS) {
      throw new IOException("the dedup index's partition " + p + " is full ("
          + counts[p] + " keys)");
    }
    if (inMemory) {
      Table grown = new Table(ByteBuffer.allocateDirect(Math.toIntExact((long) SLOT << bits)),
          bits);
      grown.count = copy(old.slots(), grown, null);
      return grown;
    }
    // A new sparse file, and the table in anonymous memory (or, past the budget, the file
    // mapped privately): the keys are copied into the process's memory and marked, and the next
    // sync writes them, syncs the file and renames it over the partition's (which until then
    // holds what the last sync covered). So a doubling costs the writer the copy (none if made
    // aside), and no wait for the disk. On tmpfs, where reading a hole allocates its page (and
    // faults if the tmpfs is full), and any file system not known to be safe, the zeros are
    // written instead, so that a full disk fails here, where the add (or the doubling aside)
    // can fail.
    Path tmp = dir.resolve(partition(dir, p).getFileName() + "." + bits + ".tmp");
    long size = (long) SLOT << bits;
    Table grown = null;
    try {
      Files.deleteIfExists(tmp); // a failed doubling's
      RandomAccessFile created = new RandomAccessFile(tmp.toFile(), "rw");
      FileChannel file = created.getChannel(); // closing it closes the file
      try {
        if (sparse) {
          created.setLength(size);
        }
        for (long at = sparse ? size : 0; at < size; ) {
          if (dropped != null && dropped.get()) {
            throw new CancellationException("a dedup doubling dropped");
          }
          ByteBuffer zeros = ZEROS.duplicate();
          zeros.limit((int) Math.min(zeros.capacity(), size - at));
          at += file.write(zeros, at);
        }
        // A doubling's keys land on nearly every page of the new table anyway; a reservation's
        // jump of several bits would make the whole table resident at once.
        ByteBuffer memory = bits == old.bits() + 1 ? anonymous(size, 0) : null;
        grown = new Table(memory != null ? memory : file.map(FileChannel.MapMode.PRIVATE, 0, size),
            bits, file, null, copiedBytes, tmp);
        if (memory != null) {
          grown.anonymous = true;
          grown.copied(0, pages(memory.capacity()));
        }
      } catch (IOException | RuntimeException e) {
        try {
          file.close();
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
      if (bits == old.bits() + 1 && !grown.anonymous) {
        touch(grown, dropped);
      }
      grown.count = copy(old.slots(), grown, dropped);
      return grown;
    } catch (IOException | RuntimeException e) {
      if (grown != null) {
        discardUnused(grown);
      } else {
        AtomicFiles.deleteQuietly(tmp, e);
      }
      if (e instanceof IOException && !(e instanceof java.nio.file.FileSystemException)) {
        // A failed write says only what went wrong (ENOSPC): say where, too.
        throw new IOException("couldn't write " + tmp + ": " + e.getMessage(), e);
      }
      throw e;
    }
  }

  /**
   * Anonymous memory (a direct buffer, zeroed) for a table of {@code size} bytes, or null if it
   * would take the tables' copies, less the {@code replaced} bytes that the table it replaces
   * gives back, past the {@linkplain #memoryBudget() budget} or
   * the JVM's direct buffers past {@link #DIRECT_LIMIT}: then the table is mapped from its file.
   * A page's first store to anonymous memory costs a fault, as to a private mapping of the
   * file, but no read of the file into the page cache and no copy from there; and the launcher
   * has the C library ask for transparent huge pages for it (see {@code cairn}), which take one
   * fault per 2 MiB: measured on a 2-core VM, an 84 MiB table in 8-171 ms (memory the process
   * used before, or new to it) against 260-300 ms.
   */
  private ByteBuffer anonymous(long size, long replaced) {
    if (DIRECT == null || copiedBytes.get() - replaced + size > memoryBudget()) {
      return null;
    }
    synchronized (ALLOCATING) { // the writer's doublings, the doubling thread's, the copy's
      if (DIRECT.getMemoryUsed() > DIRECT_LIMIT - size) {
        return null;
      }
      try {
        return ByteBuffer.allocateDirect(Math.toIntExact(size));
      } catch (OutOfMemoryError e) { // another of the JVM's users took the room meanwhile
        return null;
      }
    }
  }

  /** Held to check the direct memory's room and take it at once. */
  private static final Object ALLOCATING = new Object();

  /**
   * Stores to every page of a new table before the copy reads any: a page's first touch then
   * makes its private copy at once. A page read first is mapped from the file and then replaced
   * at its first store, and replacing a mapping makes the kernel flush the TLBs of the other
   * cores running the process (an interrupt to each; measured: half a doubling's CPU time).
   */
  private static void touch(Table t, AtomicBoolean dropped) {
    ByteBuffer slots = t.slots();
    for (int at = 0; at < slots.capacity(); at += 1 << PAGE_BITS) {
      if (dropped != null && (at & 0xfffff) == 0 && dropped.get()) {
        throw new CancellationException("a dedup doubling dropped");
      }
      slots.put(at, (byte) 0);
    }
    t.copied(0, pages(slots.capacity()));
  }

  /**
   * Puts {@code grown} in place of partition {@code p}'s {@code old} table and unmaps that one,
   * or leaves it to the sync forcing it now.
   */
  private Table replace(int p, Table old, Table grown) {
    boolean unmapped = false;
    unmapping.lock();
    try {
      tables.set(p, grown);
      if (old.copied != null) {
        copiedBytes.addAndGet(-old.copiedBytes());
      }
      old.retired = true;
      if (old.syncs == 0) {
        unmap(old);
        unmapped = true;
      }
    } finally {
      unmapping.unlock();
    }
    if (unmapped) {
      discard(old);
    }
    return grown;
  }

  /**
   * Puts every key of {@code from} in {@code to}; returns how many. Ends early if {@code
   * dropped} (null: never) is set.
   */
  private static long copy(ByteBuffer from, Table to, AtomicBoolean dropped) {
    byte[] key = new byte[Hash.SIZE];
    ByteBuffer k = ByteBuffer.wrap(key);
    long count = 0;
    for (int at = 0; at < from.capacity(); at += SLOT) {
      if (dropped != null && (at & 0xfffff) == 0 && dropped.get()) {
        throw new CancellationException("a dedup doubling dropped");
      }
      long value = (long) LONGS.getAcquire(from, at);
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

  /**
   * Maps partition {@code p}: shared and read-only for a reader; for the writer, privately, so
   * that its stores stay in memory (copied from the page cache on the first store to a page)
   * until a sync writes them, never written back by the kernel on its own schedule. Measured
   * with a shared mapping: once the table outgrew the kernel's dirty-page threshold (10% of the
   * memory by default; 2.3 GB, 26 M entries here) the kernel wrote it back without pause, every
   * store faulted on a page under writeback, and adds slowed down ten times.
   */
  private static Table table(Path dir, int p, boolean readOnly, AtomicLong copiedBytes)
      throws IOException {
    Path path = partition(dir, p);
    if (readOnly) {
      MappedByteBuffer slots = map(path, true);
      int bits = bits(slots.capacity());
      if (bits < 0) {
        unmap(slots);
        throw notATable(path, slots.capacity());
      }
      return new Table(slots, bits);
    }
    FileChannel file = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      long size = file.size();
      int bits = bits(size);
      if (bits < 0) {
        throw notATable(path, size);
      }
      return new Table(file.map(FileChannel.MapMode.PRIVATE, 0, size), bits, file, null,
          copiedBytes, null);
    } catch (IOException | RuntimeException e) {
      file.close();
      throw e;
    }
  }

  /**
   * Whether {@code dir}'s file system is one of {@link #SPARSE_SAFE}: elsewhere (tmpfs, an
   * overlay on it, or one the JVM cannot name) a doubling writes its file's zeros.
   */
  private static boolean sparseSafe(Path dir) {
    try {
      return SPARSE_SAFE.contains(Files.getFileStore(dir).type());
    } catch (IOException | RuntimeException e) {
      LOG.debug("the file system of {} is not known: {}", dir, e.toString());
      return false;
    }
  }

  private static IOException notATable(Path path, long size) {
    return new IOException(path + " is not a dedup table (" + size + " bytes)");
  }

  /** Why the index in {@code dir} cannot be used as it is, or null if it can. */
  private static String problem(Path dir) throws IOException {
    Path file = dir.resolve("meta");
    if (!Files.exists(file)) {
      return "it is missing";
    }
    long size = Files.size(file);
    if (size != META_SIZE && size != V1_META_SIZE) {
      return "its meta file has " + size + " bytes";
    }
    ByteBuffer meta = ByteBuffer.wrap(Files.readAllBytes(file));
    // Version 1 is version 2 without the partitions' own watermarks: it is read as it is (the
    // writer upgrades it).
    if (meta.getLong(0) != MAGIC || meta.getInt(AT_PARTITIONS) != PARTITIONS
        || meta.getInt(AT_VERSION) != (size == META_SIZE ? VERSION : 1)) {
      return "its meta file is not of a version this build reads";
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

  /** Unmaps {@code t}'s slots and closes its file. */
  private static void unmap(Table t) {
    unmap(t.slots());
    if (t.file != null && t.ownsFile) {
      try {
        t.file.close();
      } catch (IOException e) {
        LOG.debug("closing a dedup table's file: {}", e.toString());
      }
    }
  }

  /**
   * Deletes the file of a doubling's table unmapped before a sync renamed it in (the doubling
   * was doubled again, or the index closed without a sync); not under {@link #unmapping}.
   */
  private static void discard(Table t) {
    Path file = t.pending;
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        LOG.debug("deleting a dedup table's file; the next open does: {}", e.toString());
      }
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
