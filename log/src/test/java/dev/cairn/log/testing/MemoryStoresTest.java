package dev.cairn.log.testing;

import dev.cairn.log.storage.embedded.HistoryStore;
import dev.cairn.log.storage.embedded.HistoryStoreContract;
import dev.cairn.log.storage.embedded.CheckpointStore;
import dev.cairn.log.storage.embedded.CheckpointStoreContract;
import dev.cairn.log.storage.embedded.DedupIndex;
import dev.cairn.log.storage.embedded.DedupIndexContract;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.ObjectStoreContract;
import dev.cairn.log.storage.embedded.TreeStateStore;
import dev.cairn.log.storage.embedded.TreeStateStoreContract;
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
  class Sequence extends dev.cairn.log.storage.embedded.SequenceLogContract {
    private final MemorySequenceLog log = new MemorySequenceLog();

    @Override
    protected dev.cairn.log.storage.embedded.SequenceLog log() {
      return log;
    }

    @Override
    protected dev.cairn.log.storage.embedded.SequenceLog reopen() {
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
  class History extends HistoryStoreContract {
    private final MemoryCheckpointHistory history = new MemoryCheckpointHistory();

    @Override
    protected HistoryStore history() {
      return history;
    }

    @Override
    protected HistoryStore reopen() {
      return history;
    }
  }
}
