package dev.cairn.log.replay;

import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.log.storage.embedded.DedupIndex;
import dev.cairn.read.DirectoryLogReader;
import dev.cairn.read.LogReader;
import dev.cairn.log.storage.TreeHead;
import dev.cairn.log.storage.embedded.AtomicFiles;
import dev.cairn.log.storage.embedded.DataDir;
import dev.cairn.log.storage.embedded.LocalTreeStateStore;
import dev.cairn.log.storage.embedded.HashDedupIndex;
import dev.cairn.log.storage.embedded.RocksHistoryReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A log's data directory (the layout of {@code dev.cairn.log.TransparencyLog}), read without
 * writing to it: safe while the log serves from the same directory. The history, the latest
 * checkpoint and the tree head are read when it opens, in an order that makes them agree
 * (see {@link #open}); the objects, read later, cover at least the tree head.
 */
public final class DataDirSource implements LogSource {
  private final Path dir;
  private final Path scratch;
  private final RocksHistoryReader index;
  private final LogReader tiles;
  private final Optional<byte[]> checkpoint;
  private final Optional<TreeHead> head;
  private final Optional<HashDedupIndex> dedup;

  private DataDirSource(Path dir, Path scratch, RocksHistoryReader index, LogReader tiles,
      Optional<byte[]> checkpoint, Optional<TreeHead> head, Optional<HashDedupIndex> dedup) {
    this.dir = dir;
    this.dedup = dedup;
    this.scratch = scratch;
    this.index = index;
    this.tiles = tiles;
    this.checkpoint = checkpoint;
    this.head = head;
  }

  /**
   * Opens the data directory {@code dir}.
   *
   * @throws IOException if it is not a log's data directory (of the current layout) or its
   *     index cannot be opened
   */
  public static DataDirSource open(Path dir) throws IOException {
    if (!Files.isRegularFile(dir.resolve("log.vkey"))) {
      throw new IOException(dir + " is not a Cairn data directory (it has no log.vkey)");
    }
    if (!Files.exists(dir.resolve(DataDir.LAYOUT_FILE))) {
      throw new IOException(dir + " has the layout of an earlier Cairn (one file per tile):"
          + " start `cairn serve` on it once, which migrates it, or verify it with that version");
    }
    if (Files.exists(dir.resolve(DataDir.RESTORE_MARKER))) {
      throw new IOException("a restore into " + dir + " did not finish ("
          + DataDir.RESTORE_MARKER + " is present); the log refuses to start on it");
    }
    Path scratch = Files.createTempDirectory("cairn-read-");
    RocksHistoryReader index = null;
    try {
      // A consistent view of a log that may be writing: the history as of now first, then the
      // latest checkpoint, then the tree head. The log integrates before it signs and signs
      // before it records, so each is covered by what is read after it.
      index = RocksHistoryReader.open(dir.resolve("index"), scratch.resolve("index"));
      Optional<byte[]> checkpoint = AtomicFiles.read(dir.resolve("checkpoint"));
      Optional<TreeHead> head = readTreeHead(dir.resolve("tree-state"), scratch);
      LogReader tiles = DirectoryLogReader.open(dir.resolve("tiles"), dir.resolve("checkpoint"));
      // A log that has not run since its restore has no dedup index yet (it builds it on start).
      Optional<HashDedupIndex> dedup = Files.exists(dir.resolve("dedup").resolve("meta"))
          ? Optional.of(HashDedupIndex.openReadOnly(dir.resolve("dedup"))) : Optional.empty();
      return new DataDirSource(dir, scratch, index, tiles, checkpoint, head, dedup);
    } catch (IOException | RuntimeException e) {
      if (index != null) {
        index.close();
      }
      AtomicFiles.deleteRecursively(scratch);
      throw e;
    }
  }

  private static Optional<TreeHead> readTreeHead(Path file, Path scratch) throws IOException {
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    LocalTreeStateStore store = new LocalTreeStateStore(file, scratch.resolve("tmp"));
    try {
      return store.load();
    } finally {
      store.close();
    }
  }

  @Override
  public String describe() {
    return "data directory " + dir;
  }

  @Override
  public LogReader reader() {
    return tiles;
  }

  @Override
  public Optional<TreeHead> treeHead() {
    return head;
  }

  @Override
  public Optional<byte[]> latestCheckpoint() {
    return checkpoint.map(byte[]::clone);
  }

  @Override
  public Optional<DedupIndex> dedup() {
    return dedup.map(d -> d);
  }

  @Override
  public CheckpointHistory history() {
    return index.history();
  }

  @Override
  public List<String> verifierKeys() throws IOException {
    return dev.cairn.log.LogKeys.historyKeys(dir);
  }

  @Override
  public void checkIntegrity(Progress progress) throws IOException {
    index.verifyChecksums();
  }

  /** The data directory. */
  public Path dir() {
    return dir;
  }

  @Override
  public void close() throws IOException {
    dedup.ifPresent(HashDedupIndex::close);
    index.close();
    AtomicFiles.deleteRecursively(scratch);
  }
}
