package dev.cairn.log.testing;

import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.log.storage.CheckpointHistoryContract;
import dev.cairn.log.storage.CheckpointStore;
import dev.cairn.log.storage.CheckpointStoreContract;
import dev.cairn.log.storage.DedupIndex;
import dev.cairn.log.storage.DedupIndexContract;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.ObjectStoreContract;
import dev.cairn.log.storage.TreeStateStore;
import dev.cairn.log.storage.TreeStateStoreContract;
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
  class Sequence extends dev.cairn.log.storage.SequenceLogContract {
    private final MemorySequenceLog log = new MemorySequenceLog();

    @Override
    protected dev.cairn.log.storage.SequenceLog log() {
      return log;
    }

    @Override
    protected dev.cairn.log.storage.SequenceLog reopen() {
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
