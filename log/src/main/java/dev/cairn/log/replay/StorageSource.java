package dev.cairn.log.replay;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.log.LogKeys;
import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.log.storage.Coordinator;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.ObjectStoreReader;
import dev.cairn.log.storage.StoredCheckpoint;
import dev.cairn.log.storage.TreeHead;
import dev.cairn.note.SignedNote;
import dev.cairn.read.LogReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A log read through its two storage seams, whichever backend implements them (a cluster's
 * PostgreSQL database and bucket): the history, the latest checkpoint and the integrated tree
 * head from its {@link Coordinator}, the tiles and bundles from its {@link ObjectStore}. Neither
 * holds the log's keys; they are read from a directory with {@code log.vkey} (and the key ring),
 * a node's data directory.
 *
 * <p>The view is fixed when it opens: the latest checkpoint first, then the history only up to
 * it (a coordinator appends a checkpoint to the history in the swap that makes it the latest),
 * then the integrated head, which covers the latest. Tiles are immutable, so reading them later
 * reads them as they were — except, while the log publishes, a trailing partial tile of an
 * integrated size that no checkpoint has, which the publisher deletes once a larger checkpoint
 * is out (as for a data directory): a replay of a busy log may fail on one, and a second run
 * passes.
 */
public final class StorageSource implements LogSource {
  private final String name;
  private final Path keys;
  private final LogReader tiles;
  private final Optional<byte[]> latest;
  private final CheckpointHistory history;
  private final TreeHead head;

  private StorageSource(String name, Path keys, LogReader tiles, Optional<byte[]> latest,
      CheckpointHistory history, TreeHead head) {
    this.name = name;
    this.keys = keys;
    this.tiles = tiles;
    this.latest = latest;
    this.history = history;
    this.head = head;
  }

  /**
   * Reads the log that {@code coordinator} and {@code objects} hold; the caller closes both.
   *
   * @param name what they are, for reports ("cluster postgresql://…")
   * @param keys the directory holding the log's {@code log.vkey} and key ring
   */
  public static StorageSource open(Coordinator coordinator, ObjectStore objects, String name,
      Path keys) throws IOException {
    Optional<StoredCheckpoint> latest = coordinator.latest();
    long bound = -1;
    if (latest.isPresent()) {
      try {
        bound = Checkpoint.parse(SignedNote.parse(latest.get().note()).text()).size();
      } catch (IllegalArgumentException e) {
        throw new IOException("the latest checkpoint in " + name + " is unreadable: "
            + e.getMessage());
      }
    }
    TreeHead head = coordinator.integrated();
    return new StorageSource(name, keys, new ObjectStoreReader(objects, name),
        latest.map(StoredCheckpoint::note), new Bounded(coordinator.history(), bound), head);
  }

  @Override
  public String describe() {
    return name;
  }

  @Override
  public LogReader reader() {
    return tiles;
  }

  @Override
  public Optional<TreeHead> treeHead() {
    return Optional.of(head);
  }

  @Override
  public Optional<byte[]> latestCheckpoint() {
    return latest.map(byte[]::clone);
  }

  @Override
  public CheckpointHistory history() {
    return history;
  }

  @Override
  public List<String> verifierKeys() throws IOException {
    if (!Files.isRegularFile(keys.resolve("log.vkey"))) {
      throw new IOException(keys + " holds no log.vkey: the keys of a log on shared storage"
          + " are in its nodes' data directories (pass one as --data), or pass --vkey");
    }
    return LogKeys.historyKeys(keys);
  }

  /** Nothing: the database and the bucket keep no checksums a reader can check. */
  @Override
  public void checkIntegrity(Progress progress) {}

  /** The caller closes the coordinator and the object store. */
  @Override
  public void close() {}

  /** A history as of one moment: the entries up to {@code bound} in size. */
  private record Bounded(CheckpointHistory history, long bound) implements CheckpointHistory {
    @Override
    public Optional<Entry> last() throws IOException {
      return bound < 0 ? Optional.empty() : history.bySize(bound);
    }

    @Override
    public Optional<Entry> bySize(long size) throws IOException {
      return size > bound ? Optional.empty() : history.bySize(size);
    }

    @Override
    public List<Entry> list(long after, int limit, Instant from, Instant to) throws IOException {
      // Oldest first: what lies beyond the bound is the tail of the page.
      return history.list(after, limit, from, to).stream().filter(e -> e.size() <= bound)
          .toList();
    }
  }
}
