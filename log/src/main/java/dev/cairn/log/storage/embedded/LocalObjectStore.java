package dev.cairn.log.storage.embedded;

import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.StorageException;
import dev.cairn.tile.Bundles;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TileLayout;
import dev.cairn.tile.TilePath;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Objects as files under a root directory at their own paths, so the directory is a static
 * tlog-tiles log any web server can serve. An object is written to a synced temporary file and
 * then hard-linked to its path: {@code link(2)} fails where a file exists, so an object is never
 * replaced, and a crash leaves the whole file or none. Temporary files live in {@code .tmp}
 * under the root (the same file system, which links need), swept on open.
 *
 * <p>Made {@linkplain #LocalObjectStore(Path, Duration) to sync late}, it links each object
 * without syncing it and keeps it for {@link #syncThrough}, which its owner calls once the
 * kernel has written the files back on its own (a sync is then cheap): until then a crash of
 * the machine may leave an object torn, empty or missing, so the owner must be able to write
 * it again ({@link #repairBetween}). See docs/design/sequencing-and-durability.md.
 */
public final class LocalObjectStore implements ObjectStore {
  private static final Logger LOG = LoggerFactory.getLogger(LocalObjectStore.class);
  private final Path root;
  private final Path tmp;
  /**
   * Directories whose creation is known to be durable: every {@code xNNN} directory (one per
   * 256 tiles), and the {@code <N>.p} directories of the tiles partial lately — bounded, since
   * there is one per tile and each is deleted once its tile is full.
   */
  private final Set<Path> durableDirs = ConcurrentHashMap.newKeySet();
  private final Set<Path> durablePartialDirs = Collections.synchronizedSet(
      Collections.newSetFromMap(new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Path, Boolean> eldest) {
          return size() > 4096;
        }
      }));

  /** Whether objects are synced by {@link #syncThrough}, not as they are created. */
  private final boolean late;
  /** How long after they are created objects are synced, for the store's owner. */
  private final Duration syncDelay;
  /** The rounds of objects created and not yet synced, oldest first; guarded by itself. */
  private final java.util.ArrayDeque<Round> unsynced = new java.util.ArrayDeque<>();
  /** The mark of the latest round created; guarded by {@link #unsynced}. */
  private long created;
  /**
   * The marker a store that syncs late keeps while objects may be linked unsynced: created
   * (durably) before the first, deleted once all are synced at a close. Present at the open, it
   * says the last process stopped with objects a crash may have torn.
   */
  private static final String UNSYNCED_MARKER = ".unsynced";
  private final Path marker;
  private final boolean uncleanStop;
  /** Whether {@link #marker} exists; guarded by {@link #unsynced}. */
  private boolean marked;
  /** Objects whose entries end within (from, through] may be torn: they are written again. */
  private volatile long[] repair;
  /** The sizes whose partial tiles {@link #deletePartials} keeps; guarded by {@link #skipped}. */
  private long[] keptSizes = {};
  /** Partial tiles {@link #deletePartials} kept for a kept size, to delete once it is not. */
  private final Set<TilePath> skipped = new LinkedHashSet<>();
  private final java.util.concurrent.atomic.AtomicLong replaced =
      new java.util.concurrent.atomic.AtomicLong();

  /** One {@link #createAll} of a store that syncs late: what its sync must make durable. */
  private record Round(long mark, List<Path> files, Set<Path> dirs, Set<Path> made) {}

  /** A store rooted at {@code root}, created if missing, whose objects are durable at once. */
  public LocalObjectStore(Path root) throws IOException {
    this(root, Duration.ZERO);
  }

  /**
   * A store rooted at {@code root}, created if missing; with a {@code syncDelay} above zero its
   * objects become durable only through {@link #syncThrough}, which its owner calls about that
   * long after they were created.
   */
  public LocalObjectStore(Path root, Duration syncDelay) throws IOException {
    this.late = syncDelay.isPositive();
    this.syncDelay = late ? syncDelay : Duration.ZERO;
    try {
      this.root = root.toAbsolutePath();
      this.tmp = this.root.resolve(".tmp");
      Files.createDirectories(this.root);
      AtomicFiles.prepareTmpDir(tmp);
      // Beside the root, so that the root stays a static log.
      this.marker = this.root.resolveSibling(this.root.getFileName() + UNSYNCED_MARKER);
      this.uncleanStop = Files.exists(marker);
      this.marked = uncleanStop;
    } catch (IOException e) {
      throw FileErrors.wrap(e);
    }
    durableDirs.add(this.root);
  }

  /** The root directory. */
  public Path root() {
    return root;
  }

  @Override
  public void create(String path, byte[] data) throws IOException {
    createAll(Map.of(path, data));
  }

  /**
   * Writes and fdatasyncs every temporary file in parallel, links them into place, then fsyncs
   * each directory that changed — those the objects went into, and the parents of directories
   * made for them — once, in parallel: two rounds of syncs instead of two per object. A store
   * that syncs late skips both rounds and keeps the files and directories for {@link
   * #syncThrough}.
   */
  @Override
  public void createAll(Map<String, byte[]> objects) throws IOException {
    try {
      List<Path> targets = new ArrayList<>(objects.size());
      Set<Path> dirs = new LinkedHashSet<>();
      Set<Path> made = new LinkedHashSet<>();
      List<TilePath> tiles = new ArrayList<>(objects.size());
      for (String path : objects.keySet()) {
        TilePath tile = parseTile(path);
        Path file = root.resolve(path);
        makeDir(file.getParent(), dirs, made);
        dirs.add(file.getParent());
        targets.add(file);
        tiles.add(tile);
      }
      List<byte[]> data = new ArrayList<>(objects.values());
      Path[] temps = new Path[targets.size()];
      if (late) {
        mark();
      }
      try {
        inParallel(targets.size(), i -> temps[i] = late
            ? AtomicFiles.writeTempUnsynced(targets.get(i), data.get(i), tmp)
            : AtomicFiles.writeTemp(targets.get(i), data.get(i), tmp));
        for (int i = 0; i < targets.size(); i++) {
          if (!link(temps[i], targets.get(i), data.get(i), tiles.get(i))) {
            Files.delete(temps[i]);
          }
          temps[i] = null;
        }
      } catch (IOException | RuntimeException e) {
        for (Path t : temps) {
          if (t != null) {
            AtomicFiles.deleteQuietly(t, e);
          }
        }
        if (late) {
          keep(targets, dirs, made); // some may be linked: a close syncs them too
        }
        throw e;
      }
      if (late) {
        keep(targets, dirs, made);
        return;
      }
      syncDirectories(dirs, made);
    } catch (IOException e) {
      throw FileErrors.wrap(e);
    }
  }

  private void keep(List<Path> targets, Set<Path> dirs, Set<Path> made) {
    synchronized (unsynced) {
      unsynced.addLast(new Round(++created, targets, dirs, made));
    }
  }

  /** Creates the marker, durably, unless it exists. */
  private void mark() throws IOException {
    synchronized (unsynced) {
      if (marked) {
        return;
      }
      try {
        AtomicFiles.createNew(marker, new byte[0], false);
      } catch (java.nio.file.FileAlreadyExistsException e) {
        // made by this process before a failed directory sync
      }
      AtomicFiles.syncDirectory(marker.getParent());
      marked = true;
    }
  }

  /**
   * Whether the process before this one stopped while objects it created were not synced (a
   * store that syncs late, stopped other than by a close that synced them): a crash of the
   * machine may have torn them.
   */
  public boolean stoppedUnsynced() {
    return uncleanStop;
  }

  /** Syncs every object created so far. */
  public void syncAll() throws IOException {
    syncThrough(created());
  }

  /**
   * Records that no object is unsynced, if none is (after {@link #syncAll}, for a close, or a
   * store that syncs at once once a repair is done): the next open then finds no {@linkplain
   * #stoppedUnsynced unsynced stop}.
   */
  public void markSynced() throws IOException {
    synchronized (unsynced) {
      if (!unsynced.isEmpty()) {
        return; // created meanwhile
      }
      try {
        Files.deleteIfExists(marker);
        AtomicFiles.syncDirectory(marker.getParent());
      } catch (IOException e) {
        throw FileErrors.wrap(e);
      }
      marked = false;
    }
  }

  /** Fsyncs {@code dirs} in parallel; then the directories {@code made} are durable. */
  private void syncDirectories(Set<Path> dirs, Set<Path> made) throws IOException {
    List<Path> sync = new ArrayList<>(dirs);
    inParallel(sync.size(), i -> {
      try {
        AtomicFiles.syncDirectory(sync.get(i));
      } catch (NoSuchFileException e) {
        // Only late: a partial tile's directory deleted once its full tile was published.
        if (!late) {
          throw e;
        }
      }
      return sync.get(i);
    });
    // Only now are the directories made for these objects durable.
    for (Path d : made) {
      (isPartialDir(d) ? durablePartialDirs : durableDirs).add(d);
    }
  }

  /** How many objects are created and not synced yet (of a store that syncs late). */
  public long unsyncedObjects() {
    synchronized (unsynced) {
      long n = 0;
      for (Round r : unsynced) {
        n += r.files().size();
      }
      return n;
    }
  }

  /** How long after they are created objects are to be synced; zero if at once. */
  public Duration syncDelay() {
    return syncDelay;
  }

  /**
   * The mark of the objects created so far, for {@link #syncThrough}; 0 before any, and always
   * 0 for a store that syncs at once.
   */
  public long created() {
    synchronized (unsynced) {
      return created;
    }
  }

  /**
   * Makes durable the objects created up to {@code mark} (from {@link #created}): fdatasyncs
   * each file and then fsyncs their directories, in parallel. A file deleted meanwhile (a
   * partial tile once its full one was published) is skipped. After a failure the same objects
   * are synced again by the next call.
   */
  public void syncThrough(long mark) throws IOException {
    List<Round> rounds = new ArrayList<>();
    synchronized (unsynced) {
      while (!unsynced.isEmpty() && unsynced.peekFirst().mark() <= mark) {
        rounds.add(unsynced.pollFirst());
      }
    }
    if (rounds.isEmpty()) {
      return;
    }
    try {
      List<Path> files = new ArrayList<>();
      Set<Path> dirs = new LinkedHashSet<>();
      Set<Path> made = new LinkedHashSet<>();
      for (Round r : rounds) {
        files.addAll(r.files());
        dirs.addAll(r.dirs());
        made.addAll(r.made());
      }
      inParallel(files.size(), i -> {
        syncFile(files.get(i));
        return files.get(i);
      });
      syncDirectories(dirs, made);
    } catch (IOException e) {
      putBack(rounds);
      throw FileErrors.wrap(e);
    } catch (RuntimeException e) {
      putBack(rounds);
      throw e;
    }
  }

  private void putBack(List<Round> rounds) {
    synchronized (unsynced) {
      for (Round r : rounds.reversed()) {
        unsynced.addFirst(r);
      }
    }
  }

  private static void syncFile(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ch.force(false);
    } catch (NoSuchFileException e) {
      // A partial tile deleted once its full tile was published: nothing to keep.
    } catch (FileSystemException e) {
      throw e;
    } catch (IOException e) {
      throw new IOException("couldn't sync " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Lets a stored object whose entries end beyond {@code from} and at most at {@code through}
   * be replaced where it differs from what is written: after a crash of a store that syncs
   * late, such an object may be torn, and the log writes it again from its sequence log.
   * Objects within {@code from} were synced, and none beyond {@code through} (the sequence
   * log's end) was ever written: they stay immutable.
   */
  public void repairBetween(long from, long through) {
    repair = new long[] {from, through};
  }

  /**
   * Writes again each partial tile or bundle that ends within (from, through], as the cut of
   * its tile's widest version the log holds at size {@code through} (the full one, or the
   * partial of that size, which the replay after a crash wrote): a crash may have torn one that
   * no replay writes, a published checkpoint's. The partial tiles of each size in {@code
   * published} within the range are written where they are missing.
   */
  public void rewritePartials(long from, long through, List<Long> published)
      throws IOException {
    try {
      // Level -1 stands for the entry bundles, which are counted as level 0.
      for (int level = -1; TileLayout.hashesAtLevel(Math.max(level, 0), through) > 0; level++) {
        int l = Math.max(level, 0);
        long hashes = TileLayout.hashesAtLevel(l, through);
        for (long n = TileLayout.hashesAtLevel(l, from) / TilePath.FULL_WIDTH;
            n * TilePath.FULL_WIDTH < hashes; n++) {
          TilePath full = level < 0 ? EntryBundle.full(n) : HashTile.full(level, n);
          int width = (int) Math.min(TilePath.FULL_WIDTH, hashes - n * TilePath.FULL_WIDTH);
          Path dir = root.resolve(full.path() + ".p");
          Set<Integer> widths = new java.util.TreeSet<>(partialWidths(dir));
          for (long size : published) {
            long w = TileLayout.hashesAtLevel(l, size) - n * TilePath.FULL_WIDTH;
            // Not for a tile full by then: its partial ones go once it is published.
            if (size > from && size <= through && w > 0 && w < width) {
              widths.add((int) w);
            }
          }
          widths.removeIf(w -> w >= width || reach(full.withWidth(w)) <= from);
          if (widths.isEmpty()) {
            continue;
          }
          byte[] widest = Files.readAllBytes(root.resolve(full.withWidth(width).path()));
          if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            AtomicFiles.syncDirectory(dir.getParent());
          }
          for (int w : widths) {
            // Written again whatever it holds, as link() does in the window.
            Path file = dir.resolve(Integer.toString(w));
            byte[] cut = cut(full.withWidth(w), widest);
            Optional<byte[]> stored = AtomicFiles.read(file);
            if (stored.isPresent() && !Arrays.equals(stored.get(), cut)) {
              LOG.debug("{} was not what the log wrote before a crash", file);
              replaced.incrementAndGet();
            }
            AtomicFiles.write(file, cut, tmp);
          }
        }
      }
    } catch (IOException e) {
      throw FileErrors.wrap(e);
    }
  }

  /** The widths of the partial versions stored in the directory {@code dir}, if it exists. */
  private static List<Integer> partialWidths(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<Integer> widths = new ArrayList<>();
    try (var list = Files.list(dir)) {
      for (Path p : (Iterable<Path>) list::iterator) {
        String name = p.getFileName().toString();
        if (name.matches("[1-9][0-9]{0,2}")) {
          widths.add(Integer.parseInt(name));
        }
      }
    }
    return widths;
  }

  /** The first {@code partial.width()} hashes or entries of {@code widest}, its wider version. */
  private static byte[] cut(TilePath partial, byte[] widest) {
    return Arrays.copyOf(widest, partial instanceof HashTile ? partial.width() * 32
        : Bundles.prefixLength(widest, partial.width()));
  }

  /** How many objects a crash had torn were written again ({@link #repairBetween}). */
  public long replaced() {
    return replaced.get();
  }

  /** Stops {@link #repairBetween}: every object is immutable again. */
  public void repaired() {
    repair = null;
  }

  /**
   * Links the temporary file to {@code target}, unless the same bytes are there, and returns
   * false: the caller deletes the temporary file. Other bytes there are a conflict. An object
   * a crash may have torn ({@link #repairBetween}) is replaced whatever it holds — torn, or whole
   * in the page cache but not on the disk (a writeback that failed) — by renaming the
   * temporary file over it, and it returns true.
   */
  private boolean link(Path temp, Path target, byte[] data, TilePath tile) throws IOException {
    long[] r = repair;
    long reach = reach(tile);
    if (r != null && reach > r[0] && reach <= r[1]) {
      Optional<byte[]> stored = AtomicFiles.read(target);
      if (stored.isPresent() && !Arrays.equals(stored.get(), data)) {
        LOG.debug("{} held {} bytes other than the {} written again after a crash", target,
            stored.get().length, data.length);
        replaced.incrementAndGet();
      }
      AtomicFiles.rename(temp, target); // synced with its round, or already (at once)
      return true;
    }
    try {
      Files.createLink(target, temp);
      return false;
    } catch (FileAlreadyExistsException e) {
      byte[] stored = Files.readAllBytes(target);
      if (Arrays.equals(stored, data)) {
        return false;
      }
      throw new StorageException(StorageException.Kind.CONFLICT, target + " already holds "
          + stored.length + " other bytes than the " + data.length + " being written:"
          + " objects never change, so the stored log and the one being written disagree"
          + " (run `cairn verify --data`)");
    }
  }

  /**
   * The size of the tree up to the end of {@code tile}: the entries its last hash or entry
   * covers, and all before ({@link Long#MAX_VALUE} where that is beyond a long).
   */
  public static long reach(TilePath tile) {
    int shift = tile instanceof HashTile h ? 8 * h.level() : 0;
    if (shift >= 64 || tile.index() > (Long.MAX_VALUE >>> (shift + 8)) - 1) {
      return Long.MAX_VALUE;
    }
    return (tile.index() * TilePath.FULL_WIDTH + tile.width()) << shift;
  }

  @FunctionalInterface
  private interface Task<T> {
    T run(int i) throws IOException;
  }

  /** Runs {@code n} tasks on virtual threads; fails with the first failure after all finish. */
  private static <T> List<T> inParallel(int n, Task<T> task) throws IOException {
    if (n == 1) {
      return List.of(task.run(0));
    }
    List<Future<T>> futures = new ArrayList<>(n);
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < n; i++) {
        int index = i;
        futures.add(pool.submit(() -> task.run(index)));
      }
    }
    List<T> out = new ArrayList<>(n);
    IOException failed = null;
    for (Future<T> f : futures) {
      try {
        out.add(f.get());
      } catch (ExecutionException e) {
        if (failed == null) {
          failed = e.getCause() instanceof IOException io ? io
              : new IOException(e.getCause().toString(), e.getCause());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while writing objects");
      }
    }
    if (failed != null) {
      throw failed;
    }
    return out;
  }

  @Override
  public Optional<byte[]> get(String path) throws IOException {
    Path file = path.equals(CHECKPOINT) ? root.resolve(CHECKPOINT) : resolveTile(path);
    try {
      return AtomicFiles.read(file);
    } catch (IOException e) {
      throw FileErrors.wrap(e);
    }
  }

  @Override
  public void deletePartials(TilePath full, IntPredicate widths) throws IOException {
    if (full.isPartial()) {
      throw new IllegalArgumentException(full.path() + " is not a full tile");
    }
    Path dir = resolveTile(full.path() + ".p/1").getParent();
    durablePartialDirs.remove(dir);
    boolean all = true;
    try (var files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String name = p.getFileName().toString();
        if (!name.matches("[1-9][0-9]{0,2}") || !widths.test(Integer.parseInt(name))) {
          all = false;
          continue;
        }
        synchronized (skipped) { // held while deleting: keepPartialsOf must not come between
          if (kept(full, Integer.parseInt(name))) {
            skipped.add(full.withWidth(Integer.parseInt(name)));
            all = false;
            continue;
          }
          Files.deleteIfExists(p);
        }
      }
      if (all) {
        Files.deleteIfExists(dir);
      }
    } catch (NoSuchFileException e) {
      return;
    } catch (IOException e) {
      throw FileErrors.wrap(e);
    }
    // Not synced: a deletion that a crash undoes leaves a correct, unused partial tile.
  }

  /**
   * Keeps the partial tiles and bundles of the tree at each of {@code sizes} from {@link
   * #deletePartials}: a start recovers from those of the size the tree state records, which
   * with objects synced late lags the published tree. Deletions held back for sizes no longer
   * kept go ahead now.
   */
  public void keepPartialsOf(long... sizes) throws IOException {
    List<TilePath> due = new ArrayList<>();
    synchronized (skipped) {
      keptSizes = sizes.clone();
      for (var i = skipped.iterator(); i.hasNext(); ) {
        TilePath t = i.next();
        if (!kept(t.withWidth(TilePath.FULL_WIDTH), t.width())) {
          due.add(t);
          i.remove();
        }
      }
    }
    try {
      for (TilePath t : due) {
        Files.deleteIfExists(root.resolve(t.path()));
      }
    } catch (IOException e) {
      throw FileErrors.wrap(e);
    }
  }

  /** Whether the partial {@code width} of {@code full} is one a kept size needs. */
  private boolean kept(TilePath full, int width) {
    int level = full instanceof HashTile h ? h.level() : 0;
    for (long size : keptSizes) {
      if (TileLayout.hashesAtLevel(level, size) - full.index() * TilePath.FULL_WIDTH == width) {
        return true;
      }
    }
    return false;
  }

  /**
   * Makes sure the partial tiles and bundles of the tree at {@code size} exist, durably: one
   * that a publication deleted meanwhile is cut again from the widest version of its tile, as
   * written by this process. For the head the tree state is about to record.
   */
  public void ensurePartialsOf(long size) throws IOException {
    try {
      for (TilePath partial : TileLayout.partialTiles(size)) {
        Path file = root.resolve(partial.path());
        if (Files.exists(file)) {
          continue;
        }
        byte[] cut = cut(partial, widest(partial.withWidth(TilePath.FULL_WIDTH),
            partial.width()));
        Files.createDirectories(file.getParent());
        AtomicFiles.syncDirectory(file.getParent().getParent());
        AtomicFiles.write(file, cut, tmp);
      }
    } catch (IOException e) {
      throw FileErrors.wrap(e);
    }
  }

  /** The bytes of the widest version of {@code full} stored, wider than {@code width}. */
  private byte[] widest(TilePath full, int width) throws IOException {
    Optional<byte[]> f = AtomicFiles.read(root.resolve(full.path()));
    if (f.isPresent()) {
      return f.get();
    }
    Path dir = root.resolve(full.path() + ".p");
    int best = partialWidths(dir).stream().mapToInt(Integer::intValue).max().orElse(0);
    if (best <= width) {
      throw new StorageException(StorageException.Kind.CORRUPT, "no version of " + full.path()
          + " wider than " + width + " is stored to cut its partial version from");
    }
    return Files.readAllBytes(dir.resolve(Integer.toString(best)));
  }

  @Override
  public void publishCheckpoint(byte[] note) throws IOException {
    try {
      AtomicFiles.write(root.resolve(CHECKPOINT), note, tmp);
    } catch (IOException e) {
      throw FileErrors.wrap(e);
    }
  }

  /** The file of a canonical tile or bundle path; anything else is refused. */
  private Path resolveTile(String path) {
    parseTile(path);
    return root.resolve(path);
  }

  /** A canonical tile or bundle path, parsed; anything else is refused. */
  private static TilePath parseTile(String path) {
    try {
      return TilePath.parse(path); // strict: only the canonical form of a tile path parses
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not an object path: " + path, e);
    }
  }

  /**
   * Creates {@code dir} and its missing parents unless it is known to be durable; the parents
   * whose entries then need a sync go to {@code toSync}, and the directories to {@code made}.
   */
  private void makeDir(Path dir, Set<Path> toSync, Set<Path> made) throws IOException {
    if ((isPartialDir(dir) ? durablePartialDirs : durableDirs).contains(dir)
        || made.contains(dir)) {
      return;
    }
    makeDir(dir.getParent(), toSync, made);
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir);
    }
    // Also if it was there already: made by a process that may have crashed before the sync.
    toSync.add(dir.getParent());
    made.add(dir);
  }

  private static boolean isPartialDir(Path dir) {
    return dir.getFileName().toString().endsWith(".p");
  }
}
