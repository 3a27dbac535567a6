package dev.cairn.log.replay;

import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.log.storage.embedded.DedupIndex;
import dev.cairn.read.LogReader;
import dev.cairn.log.storage.TreeHead;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * A stored log, read-only: a data directory or a backup.
 */
public interface LogSource extends AutoCloseable {
  /** What this is, for reports ("data directory cairn-data"). */
  String describe();

  /** The tiles, bundles and checkpoint, read as any tlog-tiles log. */
  LogReader reader();

  /** The tree head the objects cover (empty for a log that never wrote a tile). */
  Optional<TreeHead> treeHead() throws IOException;

  /** The latest published checkpoint note, if any. */
  Optional<byte[]> latestCheckpoint() throws IOException;

  /** Every checkpoint published, oldest first; {@code append} fails. */
  CheckpointHistory history();

  /** The dedup index, if the log keeps one (a data directory does, a backup does not). */
  default Optional<DedupIndex> dedup() {
    return Optional.empty();
  }

  /**
   * The keys that signed the log's checkpoints (its key ring, active and retired keys, or
   * {@code log.vkey} without one), one per element.
   */
  List<String> verifierKeys() throws IOException;

  /**
   * Checks the storage's own integrity records (RocksDB block checksums, a backup's manifest
   * digests), naming the first file that fails.
   */
  void checkIntegrity(Progress progress) throws IOException;

  @Override
  void close() throws IOException;
}
