package dev.cairn.log;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.HashReader;
import dev.cairn.merkle.Proofs;
import dev.cairn.merkle.SubtreeCache;
import dev.cairn.note.SignedNote;
import dev.cairn.proof.TlogProof;
import dev.cairn.log.publishing.Checkpoints;
import dev.cairn.log.publishing.Publisher;
import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.log.storage.Coordinator;
import dev.cairn.read.LogReader;
import dev.cairn.tile.TileHashReader;
import java.io.IOException;
import java.util.List;
import java.util.OptionalLong;

/**
 * Inclusion and consistency proofs over published checkpoints, built from the stored tiles. Only
 * published trees are proven: nothing beyond the latest checkpoint is revealed.
 */
public final class LogProofs {
  private final LogReader tiles;
  private final Checkpoints publisher;
  private final Coordinator coordinator;
  /** Upper subtree hashes, shared by every proof (~6 MiB of heap at most). */
  private final SubtreeCache subtrees = new SubtreeCache(16);

  /**
   * Proofs over the tiles {@code tiles} reads, for the checkpoints {@code publisher} published
   * and {@code coordinator} keeps.
   */
  public LogProofs(LogReader tiles, Checkpoints publisher, Coordinator coordinator) {
    this.tiles = tiles;
    this.publisher = publisher;
    this.coordinator = coordinator;
  }

  /** Proofs over {@code log}. */
  public static LogProofs of(ServedLog log) {
    return new LogProofs(log.tiles(), log.checkpoints(), log.coordinator());
  }

  /**
   * A tlog-proof of entry {@code index} in the checkpoint of {@code size} (the latest if
   * absent).
   *
   * @throws BadInputException if the index is not below the size
   * @throws NotFoundException if no checkpoint of that size was published
   */
  public byte[] inclusion(long index, OptionalLong size) throws IOException {
    byte[] note;
    Checkpoint c;
    if (size.isPresent()) {
      CheckpointHistory.Entry e = coordinator.history().bySize(size.getAsLong())
          .orElseThrow(() -> new NotFoundException("no checkpoint of size "
              + size.getAsLong() + " was published"));
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
      throw new BadInputException("index " + index + " is not in the checkpoint of size "
          + c.size());
    }
    List<Hash> path = Proofs.inclusion(reader(c.size()), index, c.size());
    return new TlogProof(null, index, path, note).encode();
  }

  /**
   * The index of the entry with this leaf hash, if it is in the latest checkpoint.
   *
   * @throws NotFoundException if it is not
   */
  public long indexOf(Hash leafHash) throws IOException {
    Long i = coordinator.lookup(List.of(leafHash)).get(leafHash);
    long published = publisher.latest().checkpoint().size();
    if (i == null || i >= published) {
      throw new NotFoundException("no entry with leaf hash " + leafHash.toBase64()
          + " is in the latest checkpoint");
    }
    return i;
  }

  /**
   * The consistency proof from size {@code oldSize} to {@code newSize}, both within the latest
   * checkpoint.
   *
   * @throws BadInputException if the sizes are not {@code 0 < old <= new <= latest}
   */
  public List<Hash> consistency(long oldSize, long newSize) throws IOException {
    long latest = publisher.latest().checkpoint().size();
    if (oldSize <= 0 || oldSize > newSize || newSize > latest) {
      throw new BadInputException("consistency proofs need 0 < old <= new <= " + latest
          + " (the latest checkpoint), got old=" + oldSize + " new=" + newSize);
    }
    return Proofs.consistency(reader(newSize), oldSize, newSize);
  }

  private HashReader reader(long size) {
    return subtrees.over(new TileHashReader(size, tiles));
  }
}
