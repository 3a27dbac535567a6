package dev.cairn.log;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.HashReader;
import dev.cairn.merkle.Proofs;
import dev.cairn.merkle.SubtreeCache;
import dev.cairn.note.SignedNote;
import dev.cairn.proof.TlogProof;
import dev.cairn.log.sequencing.Publisher;
import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.log.storage.DedupIndex;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.StoredTiles;
import dev.cairn.tile.TileHashReader;
import java.io.IOException;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.OptionalLong;

/**
 * Inclusion and consistency proofs over published checkpoints, built from the stored tiles. Only
 * published trees are proven: nothing beyond the latest checkpoint is revealed.
 */
public final class LogProofs {
  private final ObjectStore objects;
  private final Publisher publisher;
  private final CheckpointHistory history;
  private final DedupIndex dedup;
  /** Upper subtree hashes, shared by every proof (~6 MiB of heap at most). */
  private final SubtreeCache subtrees = new SubtreeCache(16);

  /** Proofs over this log's storage. */
  public LogProofs(ObjectStore objects, Publisher publisher, CheckpointHistory history,
      DedupIndex dedup) {
    this.objects = objects;
    this.publisher = publisher;
    this.history = history;
    this.dedup = dedup;
  }

  /** Proofs over {@code log}. */
  public static LogProofs of(TransparencyLog log) {
    return new LogProofs(log.objects(), log.publisher(), log.history(), log.dedup());
  }

  /**
   * A tlog-proof of entry {@code index} in the checkpoint of {@code size} (the latest if
   * absent).
   *
   * @throws IllegalArgumentException if the index is not below the size
   * @throws NoSuchElementException if no checkpoint of that size was published
   */
  public byte[] inclusion(long index, OptionalLong size) throws IOException {
    byte[] note;
    Checkpoint c;
    if (size.isPresent()) {
      CheckpointHistory.Entry e = history.bySize(size.getAsLong()).orElseThrow(() ->
          new NoSuchElementException("no checkpoint of size " + size.getAsLong()
              + " was published"));
      note = e.note();
      c = Checkpoint.parse(SignedNote.parse(note).text());
    } else {
      Publisher.Published p = publisher.latest();
      note = p.note();
      c = p.checkpoint();
    }
    return inclusion(index, c, note);
  }

  /** A tlog-proof of entry {@code index} in a published checkpoint. */
  public byte[] inclusion(long index, Publisher.Published checkpoint) throws IOException {
    return inclusion(index, checkpoint.checkpoint(), checkpoint.note());
  }

  private byte[] inclusion(long index, Checkpoint c, byte[] note) throws IOException {
    if (index < 0 || index >= c.size()) {
      throw new IllegalArgumentException("index " + index + " is not in the checkpoint of size "
          + c.size());
    }
    List<Hash> path = Proofs.inclusion(reader(c.size()), index, c.size());
    return new TlogProof(null, index, path, note).encode();
  }

  /**
   * The index of the entry with this leaf hash, if it is in the latest checkpoint.
   *
   * @throws NoSuchElementException if it is not
   */
  public long indexOf(Hash leafHash) throws IOException {
    Long i = dedup.lookup(List.of(leafHash)).get(leafHash);
    long published = publisher.latest().checkpoint().size();
    if (i == null || i >= published) {
      throw new NoSuchElementException("no entry with leaf hash " + leafHash.toBase64()
          + " is in the latest checkpoint");
    }
    return i;
  }

  /**
   * The consistency proof from size {@code oldSize} to {@code newSize}, both within the latest
   * checkpoint.
   *
   * @throws IllegalArgumentException if the sizes are not {@code 0 < old <= new <= latest}
   */
  public List<Hash> consistency(long oldSize, long newSize) throws IOException {
    long latest = publisher.latest().checkpoint().size();
    if (oldSize <= 0 || oldSize > newSize || newSize > latest) {
      throw new IllegalArgumentException("consistency proofs need 0 < old <= new <= " + latest
          + " (the latest checkpoint), got old=" + oldSize + " new=" + newSize);
    }
    return Proofs.consistency(reader(newSize), oldSize, newSize);
  }

  private HashReader reader(long size) {
    return subtrees.over(new TileHashReader(size, StoredTiles.reader(objects)));
  }
}
