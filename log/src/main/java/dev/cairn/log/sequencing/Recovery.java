package dev.cairn.log.sequencing;

import dev.cairn.log.storage.Lease;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.StorageException;
import dev.cairn.log.storage.TreeHead;
import dev.cairn.read.LogReader;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Rebuilds the sequencer's tree from what is durable, at start and after a failed batch: the
 * tree the object store holds (its integrated head, checked against the head's root), then every
 * committed batch beyond it, each checked against the root it was committed with. The cost is
 * the batches not yet integrated (about a second of writes after a crash, or up to the tile sync
 * delay's with objects synced late), not the log's size.
 */
final class Recovery {
  private Recovery() {}

  /**
   * The recovered tree and the objects of the batches beyond the integrated head, which the
   * object store may not hold yet.
   */
  record Recovered(WorkingTree tree, Map<String, byte[]> writes, TreeHead integrated) {}

  /**
   * Recovers from {@code lease}'s durable state over the objects {@code stored}.
   *
   * @throws StorageException of kind {@code CORRUPT} if the stored state contradicts itself
   */
  static Recovered run(LogReader stored, Lease lease) throws IOException {
    return run(stored, lease, null, 0);
  }

  /**
   * The objects a recovery holds at most before it writes them to {@code objects} ahead of the
   * integration that claims them: with tiles synced late a start may replay 40 s of writes, a
   * gigabyte of bundles at full speed.
   */
  static final long CHUNK_BYTES = 64L << 20;

  /**
   * Recovers as {@link #run(LogReader, Lease)} does; with {@code objects}, writes the objects
   * of the replayed batches there {@code chunkBytes} at a time, and returns only the last.
   */
  static Recovered run(LogReader stored, Lease lease, ObjectStore objects, long chunkBytes)
      throws IOException {
    TreeHead integrated = lease.integrated();
    WorkingTree tree = WorkingTree.restore(stored, integrated);
    Writes[] writes = {new Writes()};
    lease.replay(integrated.size(), batch -> {
      if (batch.start() > tree.size()) {
        throw new StorageException(StorageException.Kind.CORRUPT, "the sequence log jumps from"
            + " size " + tree.size() + " to " + batch.start());
      }
      List<byte[]> entries = batch.entries();
      writes[0].addAll(tree.append(entries.subList((int) (tree.size() - batch.start()),
          entries.size()), null));
      if (!tree.head().equals(batch.head())) {
        throw new StorageException(StorageException.Kind.CORRUPT, "replaying the sequence log"
            + " gives root " + tree.head().root() + " at size " + tree.size()
            + ", but the batch recorded " + batch.head().root());
      }
      if (objects != null && writes[0].bytes() >= chunkBytes) {
        objects.createAll(writes[0].objects()); // claimed by the integration that follows
        writes[0] = new Writes();
      }
    });
    TreeHead sequenced = lease.sequenced();
    if (!tree.head().equals(sequenced)) {
      throw new StorageException(StorageException.Kind.CORRUPT, "the sequence log replays to"
          + " size " + tree.size() + ", but the log says " + sequenced.size()
          + " entries are sequenced");
    }
    return new Recovered(tree, writes[0].objects(), integrated);
  }
}
