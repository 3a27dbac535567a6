package dev.cairn.log.storage.embedded;

import dev.cairn.log.storage.Coordinator;
import dev.cairn.log.storage.CoordinatorContract;
import dev.cairn.log.storage.Lease;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.testing.MemoryCheckpointHistory;
import dev.cairn.log.testing.MemoryCheckpointStore;
import dev.cairn.log.testing.MemoryDedupIndex;
import dev.cairn.log.testing.MemoryObjectStore;
import dev.cairn.log.testing.MemorySequenceLog;
import dev.cairn.log.testing.MemoryTreeStateStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

/** The embedded coordinator against the coordinator contract, on files and in memory. */
class EmbeddedCoordinatorTest {
  /** Over a real data directory: RocksDB, the sequence log and files with fsync. */
  @Nested
  class OnADataDirectory extends CoordinatorContract {
    @TempDir Path dir;
    private DataDir current;

    @Override
    protected Coordinator open() throws Exception {
      DataDir d = DataDir.open(dir, Clock.systemUTC());
      current = d;
      return d.coordinator(); // closing it closes the directory
    }

    @Override
    protected ObjectStore objects() {
      return current.objects();
    }

    @Override
    protected void expire(Lease lease) {
      lease.close(); // an embedded lease ends only when closed
    }
  }

  /**
   * Over a real data directory whose object store syncs late (after 2 minutes: here, only a
   * close syncs), so that every reopen finds the objects synced by the close.
   */
  @Nested
  class OnADataDirectorySyncingLate extends CoordinatorContract {
    @TempDir Path dir;
    private DataDir current;

    @Override
    protected Coordinator open() throws Exception {
      DataDir d = DataDir.open(dir, Clock.systemUTC(), Duration.ofMinutes(2));
      current = d;
      return d.coordinator();
    }

    @Override
    protected ObjectStore objects() {
      return current.objects();
    }

    @Override
    protected void expire(Lease lease) {
      lease.close();
    }
  }

  /** Over the in-memory parts the sequencer tests use. */
  @Nested
  class InMemory extends CoordinatorContract {
    private final MemoryObjectStore objects = new MemoryObjectStore();
    private final MemorySequenceLog log = new MemorySequenceLog();
    private final MemoryDedupIndex dedup = new MemoryDedupIndex();
    private final MemoryTreeStateStore treeState = new MemoryTreeStateStore();
    private final MemoryCheckpointStore checkpoints = new MemoryCheckpointStore();
    private final MemoryCheckpointHistory history = new MemoryCheckpointHistory();

    @Override
    protected Coordinator open() throws Exception {
      return EmbeddedCoordinator.open(new EmbeddedCoordinator.Parts(log, dedup, treeState,
          checkpoints, history, objects, () -> {}), Clock.systemUTC());
    }

    @Override
    protected ObjectStore objects() {
      return objects;
    }

    @Override
    protected void expire(Lease lease) {
      lease.close();
    }
  }
}
