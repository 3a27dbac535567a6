package dev.cairn.log.storage.embedded;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.log.storage.Coordinator;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.StorageException;
import dev.cairn.log.storage.TreeHead;
import dev.cairn.note.SignedNote;
import dev.cairn.tile.Bundles;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TileLayout;
import dev.cairn.tile.TilePath;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A log's data directory, the embedded backend: its layout, its lock, and the object store and
 * coordinator over it.
 *
 * <pre>
 *   cairn.lock        held while a process uses the directory
 *   layout            the layout version ("2")
 *   keys/             checkpoint keys and the key ring
 *   log.vkey          the verifier keys
 *   tiles/            the object store: a static tlog-tiles log (checkpoint, tile/...)
 *   sequence-log/     committed batches not yet in tiles (the commit point of writes)
 *   tree-state        the integrated tree head
 *   checkpoint        the latest checkpoint, replaced by compare-and-swap
 *   dedup/            the dedup index (HashDedupIndex: meta, p000...p255)
 *   index/            RocksDB: the checkpoint history
 * </pre>
 *
 * <p>Layout 1 (before this version) kept one object per tile, a partial tile at its full path
 * replaced as it grew. Opening such a directory migrates it once: see {@link #migrate}.
 */
public final class DataDir implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DataDir.class);
  /** The file naming the layout version. */
  public static final String LAYOUT_FILE = "layout";
  /** The layout this version writes. */
  public static final String LAYOUT = "2";
  /** Present while a restore into the directory is unfinished. */
  public static final String RESTORE_MARKER = "restore-in-progress";

  private final Path dir;
  private final LocalObjectStore objects;
  private final EmbeddedCoordinator coordinator;
  private final HashDedupIndex dedup;

  private DataDir(Path dir, LocalObjectStore objects, EmbeddedCoordinator coordinator,
      HashDedupIndex dedup) {
    this.dir = dir;
    this.objects = objects;
    this.coordinator = coordinator;
    this.dedup = dedup;
  }

  /** The dedup index, for its gauges (the coordinator owns and closes it). */
  public HashDedupIndex dedup() {
    return dedup;
  }

  /**
   * Opens (creating if needed) the data directory {@code path}: takes its lock, migrates an
   * older layout, and opens the object store and the coordinator, which repairs what a crash
   * left half done.
   *
   * @throws IOException if another process uses it, a restore into it is unfinished, or its
   *     state cannot be read or contradicts itself
   */
  public static DataDir open(Path path, Clock clock) throws IOException {
    return open(path, clock, Duration.ZERO);
  }

  /**
   * Opens the data directory {@code path} as {@link #open(Path, Clock)} does, with an object
   * store that syncs tiles and bundles {@code tileSyncDelay} after they are written (zero: at
   * once; see {@link EmbeddedCoordinator}).
   */
  public static DataDir open(Path path, Clock clock, Duration tileSyncDelay)
      throws IOException {
    Path dir = path.toAbsolutePath().normalize();
    Files.createDirectories(dir);
    DataDirLock lock = DataDirLock.acquire(dir);
    RocksIndex index = null;
    HashDedupIndex dedup = null;
    LocalTreeStateStore treeState = null;
    LocalSequenceLog sequenceLog = null;
    try {
      if (Files.exists(dir.resolve(RESTORE_MARKER))) {
        throw new IOException("a restore into " + dir + " did not finish (" + RESTORE_MARKER
            + " is present): run `cairn restore --force` into it again");
      }
      Path tmp = dir.resolve(".tmp");
      LocalObjectStore objects = new LocalObjectStore(dir.resolve("tiles"), tileSyncDelay);
      index = RocksIndex.open(dir.resolve("index"));
      dedup = HashDedupIndex.open(dir.resolve("dedup"));
      treeState = new LocalTreeStateStore(dir.resolve("tree-state"), tmp);
      sequenceLog = new LocalSequenceLog(dir.resolve("sequence-log"));
      LocalCheckpointStore checkpoints = new LocalCheckpointStore(dir.resolve("checkpoint"), tmp);
      String layout = layout(dir);
      if (layout.equals("1")) {
        // With objects durable at once: the migration records them as it goes.
        migrate(dir, new LocalObjectStore(dir.resolve("tiles")), treeState, sequenceLog,
            checkpoints, index.history());
      } else if (!layout.equals(LAYOUT)) {
        throw new IOException(dir + " has data directory layout " + layout + ", but this"
            + " version of Cairn knows layouts 1 and " + LAYOUT + ": use a newer version");
      }
      RocksIndex i = index;
      HashDedupIndex d = dedup;
      LocalTreeStateStore t = treeState;
      LocalSequenceLog s = sequenceLog;
      EmbeddedCoordinator coordinator = EmbeddedCoordinator.open(new EmbeddedCoordinator.Parts(
          sequenceLog, dedup, treeState, checkpoints, index.history(), objects, () -> {
            try {
              t.close();
              s.close();
            } finally {
              try {
                d.close();
                i.close();
              } finally {
                lock.close();
              }
            }
          }), clock);
      return new DataDir(dir, objects, coordinator, dedup);
    } catch (IOException | RuntimeException e) {
      if (treeState != null) {
        treeState.close();
      }
      if (sequenceLog != null) {
        sequenceLog.close();
      }
      if (dedup != null) {
        dedup.close();
      }
      if (index != null) {
        index.close();
      }
      lock.close();
      throw e;
    }
  }

  /**
   * The layout version of {@code dir}: its layout file, else "1" for a directory a log has
   * written to, else (a new directory) the current one, which is recorded now.
   */
  private static String layout(Path dir) throws IOException {
    Path file = dir.resolve(LAYOUT_FILE);
    if (Files.exists(file)) {
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    }
    if (Files.exists(dir.resolve("tree-state")) || Files.exists(dir.resolve("checkpoint"))) {
      return "1";
    }
    writeLayout(dir);
    return LAYOUT;
  }

  /** Records that {@code dir} has the current layout. */
  public static void writeLayout(Path dir) throws IOException {
    AtomicFiles.write(dir.resolve(LAYOUT_FILE), (LAYOUT + "\n").getBytes(StandardCharsets.UTF_8),
        dir.resolve(".tmp"));
  }

  /**
   * Migrates layout 1 to 2. In layout 1 the trailing tile of each level and the trailing
   * bundle were stored at their full path and replaced as they grew. For each of them this
   * writes the partial object of the integrated size and of every published checkpoint still
   * inside it (cut from the stored one: hashes never change), then deletes every object at a
   * full path that does not hold a full tile — the trailing ones, and any a crash left beyond
   * the integrated size, up to the sequenced one — and syncs their directories. The layout file
   * goes last; every step can be repeated, so a migration that is interrupted runs again at the
   * next start.
   */
  static void migrate(Path dir, LocalObjectStore objects, TreeStateStore treeState,
      SequenceLog log, CheckpointStore checkpoints, CheckpointHistory history)
      throws IOException {
    TreeHead head = treeState.load().orElse(new TreeHead(0, dev.cairn.merkle.Hasher.emptyRoot()));
    long size = head.size();
    long[] sequenced = {size};
    log.replay(size, batch -> sequenced[0] = batch.head().size());
    LOG.info("migrating {} to data directory layout {} (partial tiles under their own paths)"
        + " at size {}", dir, LAYOUT, size);
    Path root = objects.root();
    // The trailing objects of the integrated size, under their partial paths.
    for (TilePath t : trailing(size)) {
      Path full = root.resolve(t.withWidth(TilePath.FULL_WIDTH).path());
      if (Files.exists(full)) {
        objects.create(t.path(), cut(t, Files.readAllBytes(full)));
      }
    }
    Optional<byte[]> latest = checkpoints.latest();
    long latestSize = latest.isEmpty() ? -1
        : Checkpoint.parse(SignedNote.parse(latest.get()).text()).size();
    CheckpointPartials.write(objects, size, history, latestSize);
    // Objects at full paths that are not full: the trailing ones, and any a crash left beyond
    // them (layout 1 renamed a batch's objects before syncing their directories, so after a
    // crash any of them may be there, with gaps), up to the sequenced size.
    int removed = 0;
    Set<Path> changed = new LinkedHashSet<>(List.of(root, dir));
    for (int level = -1; level < 0 || TileLayout.hashesAtLevel(level, sequenced[0]) > 0;
        level++) {
      long from = (level < 0 ? size : TileLayout.hashesAtLevel(level, size))
          / TilePath.FULL_WIDTH;
      long to = (level < 0 ? sequenced[0] : TileLayout.hashesAtLevel(level, sequenced[0]))
          / TilePath.FULL_WIDTH;
      for (long index = from; index <= to; index++) {
        TilePath t = level < 0 ? EntryBundle.full(index) : HashTile.full(level, index);
        Path file = root.resolve(t.path());
        if (Files.exists(file) && !isFull(t, Files.readAllBytes(file))) {
          Files.delete(file);
          changed.add(file.getParent());
          removed++;
        }
      }
    }
    // Durable before the layout file says the migration is done.
    for (Path d : changed) {
      AtomicFiles.syncDirectory(d);
    }
    writeLayout(dir);
    LOG.info("migrated {}: {} partial objects moved to their own paths", dir, removed);
  }

  /** The trailing (partial) tiles and bundle of a tree of {@code size}. */
  private static List<TilePath> trailing(long size) {
    List<TilePath> out = new ArrayList<>();
    if (size % TilePath.FULL_WIDTH != 0) {
      out.add(new EntryBundle(size / TilePath.FULL_WIDTH, (int) (size % TilePath.FULL_WIDTH)));
    }
    for (int level = 0; TileLayout.hashesAtLevel(level, size) > 0; level++) {
      long h = TileLayout.hashesAtLevel(level, size);
      if (h % TilePath.FULL_WIDTH != 0) {
        out.add(new HashTile(level, h / TilePath.FULL_WIDTH, (int) (h % TilePath.FULL_WIDTH)));
      }
    }
    return out;
  }

  private static byte[] cut(TilePath t, byte[] data) throws StorageException {
    try {
      int length = t instanceof HashTile ? t.width() * 32 : Bundles.prefixLength(data, t.width());
      if (data.length < length) {
        throw new IllegalArgumentException("it has " + data.length + " bytes");
      }
      return java.util.Arrays.copyOf(data, length);
    } catch (IllegalArgumentException e) {
      throw new StorageException(StorageException.Kind.CORRUPT, "cannot migrate " + t.path()
          + ": " + e.getMessage() + " (run `cairn verify --data` with the previous version)");
    }
  }

  private static boolean isFull(TilePath t, byte[] data) {
    if (t instanceof HashTile) {
      return data.length == TilePath.FULL_WIDTH * 32;
    }
    try {
      return Bundles.decodeAtMost(data, TilePath.FULL_WIDTH).size() == TilePath.FULL_WIDTH;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** The directory. */
  public Path path() {
    return dir;
  }

  /** The tiles and bundles, a static tlog-tiles log in {@code tiles/}. */
  public ObjectStore objects() {
    return objects;
  }

  /**
   * The coordination: commits, integration, the latest checkpoint and the history. Closing it
   * closes the directory.
   */
  public Coordinator coordinator() {
    return coordinator;
  }

  /** Closes the coordinator and releases the directory. */
  @Override
  public void close() throws IOException {
    coordinator.close();
  }
}
