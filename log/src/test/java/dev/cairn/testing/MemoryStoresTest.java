package dev.cairn.testing;

import dev.cairn.storage.CheckpointHistory;
import dev.cairn.storage.CheckpointHistoryContract;
import dev.cairn.storage.CheckpointStore;
import dev.cairn.storage.CheckpointStoreContract;
import dev.cairn.storage.DedupIndex;
import dev.cairn.storage.DedupIndexContract;
import dev.cairn.storage.ObjectStore;
import dev.cairn.storage.ObjectStoreContract;
import dev.cairn.storage.TreeStateStore;
import dev.cairn.storage.TreeStateStoreContract;
import org.junit.jupiter.api.Nested;

/**
 * The in-memory stores the sequencer and publisher tests run on keep the same contracts as the
 * real backends; otherwise those tests would prove nothing about the log.
 */
class MemoryStoresTest {
  @Nested
  class Objects extends ObjectStoreContract {
    private final MemoryObjectStore store = new MemoryObjectStore();

    @Override
    protected ObjectStore store() {
      return store;
    }

    @Override
    protected ObjectStore reopen() {
      return store;
    }
  }

  @Nested
  class Sequence extends dev.cairn.storage.SequenceLogContract {
    private final MemorySequenceLog log = new MemorySequenceLog();

    @Override
    protected dev.cairn.storage.SequenceLog log() {
      return log;
    }

    @Override
    protected dev.cairn.storage.SequenceLog reopen() {
      return log;
    }
  }

  @Nested
  class TreeState extends TreeStateStoreContract {
    private final MemoryTreeStateStore store = new MemoryTreeStateStore();

    @Override
    protected TreeStateStore store() {
      return store;
    }

    @Override
    protected TreeStateStore reopen() {
      return store;
    }
  }

  @Nested
  class Checkpoints extends CheckpointStoreContract {
    private final MemoryCheckpointStore store = new MemoryCheckpointStore();

    @Override
    protected CheckpointStore store() {
      return store;
    }

    @Override
    protected CheckpointStore reopen() {
      return store;
    }
  }

  @Nested
  class Dedup extends DedupIndexContract {
    private final MemoryDedupIndex index = new MemoryDedupIndex();

    @Override
    protected DedupIndex index() {
      return index;
    }

    @Override
    protected DedupIndex reopen() {
      return index;
    }
  }

  @Nested
  class History extends CheckpointHistoryContract {
    private final MemoryCheckpointHistory history = new MemoryCheckpointHistory();

    @Override
    protected CheckpointHistory history() {
      return history;
    }

    @Override
    protected CheckpointHistory reopen() {
      return history;
    }
  }
}
