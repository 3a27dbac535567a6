package dev.cairn.log.storage;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The right to change a log, held by one process at a time: to commit batches of entries
 * ({@link #assign}), to record how far the object store holds the tree ({@link #integrate}),
 * and to replace the latest checkpoint ({@link #swap}).
 *
 * <p>Fencing. A lease ends when it is closed, when the backend lets it expire (a backend with a
 * time limit), or when its coordinator closes. Once it has ended — whether or not its holder
 * knows — every call that changes state MUST fail with a {@link StorageException} of kind
 * {@code FENCED} and MUST change nothing; reads keep working. What a fenced-out holder can still
 * do is write objects to the {@link ObjectStore}, which accepts only the bytes already there or
 * the same bytes a live holder writes (objects are a function of the committed entries, and a
 * fenced holder can commit none), and never the checkpoint object, which follows a swap.
 *
 * <p>Outcomes. A call that returns normally took effect durably. A call that throws for any
 * other reason than fencing or a conflict MAY have taken effect: the holder reads back what is
 * durable ({@link #sequenced}, {@link #replay}, {@link #integrated}, {@link #latest}) before it
 * relies on its own idea of the state. One holder makes one call at a time per method family
 * (the sequencer assigns, the integrator integrates, the publisher swaps), and the three
 * families MAY run concurrently.
 */
public interface Lease extends AutoCloseable {
  /** Positive and above every earlier lease's epoch of this log. */
  long epoch();

  /** The holder named at {@link Coordinator#acquire}. */
  String holder();

  /** One submitted entry and its leaf hash. */
  record Submission(byte[] entry, Hash leafHash) {}

  /**
   * Where each submission of a batch ended up, in order, and the tree head after the batch.
   *
   * @param indices each submission's index
   * @param duplicates whether each was already in the log (or earlier in the batch)
   * @param head the sequenced tree head after the batch
   */
  record Assignment(long[] indices, boolean[] duplicates, TreeHead head) {}

  /** Computes the tree head after new entries: the caller's in-memory tree grows by them. */
  @FunctionalInterface
  interface Extension {
    /**
     * The entries that are new, in index order from {@code start}, with their leaf hashes;
     * returns the tree head after them. Called at most once per {@link #assign}, before the
     * commit; if the commit then fails, the caller's tree is ahead of the log.
     */
    TreeHead extend(long start, List<byte[]> entries, List<Hash> leafHashes);
  }

  /**
   * Commits a batch, all at once: entries already sequenced get their index (duplicates), the
   * others the next indices in order, and the batch — entries, indices, deduplication and the
   * head from {@code extension} — becomes durable together. From the moment it returns, every
   * index it gives is final and survives any crash; an entry is never given two indices.
   *
   * <p>An empty batch commits nothing of its own; it fails if the last commit failed and
   * committing still does not work (a probe, so that a failing log notices it healed without a
   * writer). Where other processes commit too, it builds what they committed into the tree
   * through {@code extension}.
   *
   * @throws StorageException of kind {@code CORRUPT} if the stored state contradicts itself
   */
  Assignment assign(List<Submission> batch, Extension extension) throws IOException;

  /** The durably sequenced tree head: every index below its size is final. */
  TreeHead sequenced() throws IOException;

  /** Receives sequenced batches. */
  @FunctionalInterface
  interface Batches {
    /** One batch, in order. */
    void batch(SequencedBatch batch) throws IOException;
  }

  /**
   * Hands over, in order, every committed batch that ends after {@code size}, down to size
   * {@link #integrated()} at least: the entries the object store may not hold yet.
   */
  void replay(long size, Batches batches) throws IOException;

  /** The tree head whose tiles and bundles are all durable in the object store. */
  TreeHead integrated() throws IOException;

  /** Writes the objects of the tree beyond an integrated head. */
  @FunctionalInterface
  interface Integration {
    /**
     * Makes every tile and bundle of the tree beyond {@code from} durable in the object store,
     * and returns the tree head they bring it to.
     */
    TreeHead write(TreeHead from) throws IOException;
  }

  /**
   * Integrates: checks that the object store holds the tree up to {@code fromSize} (the
   * integrated head), runs {@code integration}, and records the head it returns as integrated.
   * Batches at or below it MAY then be forgotten.
   *
   * @throws StorageException of kind {@code CONFLICT} if the integrated head is not at {@code
   *     fromSize}, or the returned head is beyond the sequenced one
   */
  TreeHead integrate(long fromSize, Integration integration) throws IOException;

  /**
   * For a backend whose object store syncs late (the embedded one, see {@code
   * EmbeddedCoordinator}): makes durable the objects integrated long enough ago, which an
   * integration also does first. The integrator calls it while there is nothing to integrate.
   * Others do nothing.
   */
  default void syncDue() throws IOException {}

  /**
   * The latest checkpoint. After a {@link #swap} that threw, it says whether the swap took
   * effect; a checkpoint it returns is in the history.
   */
  Optional<StoredCheckpoint> latest() throws IOException;

  /**
   * Replaces the latest checkpoint with {@code note} if it is still at version {@code expected}
   * (empty: none stored yet), and appends it to the history, together.
   *
   * @param checkpoint the note's checkpoint, parsed
   * @param note the signed note, as published
   * @param time the publication time, not before the latest's
   * @return the new latest version
   * @throws StorageException of kind {@code CONFLICT} if the latest is not at {@code expected},
   *     or the checkpoint is larger than the integrated tree, not larger than the latest (unless
   *     it is the latest again), or of the integrated size with another root
   */
  Version swap(Optional<Version> expected, Checkpoint checkpoint, byte[] note, Instant time)
      throws IOException;

  /** Ends the lease. */
  @Override
  void close();
}
