package dev.cairn.read;

import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Proofs;
import dev.cairn.tile.Bundles;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TileHashReader;
import dev.cairn.tile.TileReader;
import java.io.IOException;
import java.util.List;

/**
 * A C2SP tlog-tiles log, read-only: its latest checkpoint, its hash tiles and entry bundles, and
 * the tree hashes and proofs built from them. Implementations read a directory of static files
 * (a data directory's {@code tiles/}, a backup), a log over HTTP, or a running log's object
 * store.
 *
 * <p>A reader checks nothing it reads beyond its shape (lengths, the bundle encoding): verify
 * the checkpoint's signatures first, then that the tiles lead to its root ({@link #treeHash},
 * {@link Replay}). A missing object is a {@link java.nio.file.NoSuchFileException} and a
 * misshapen one a {@link MalformedObjectException}, each naming where it was read from; any
 * other {@link IOException} is a failure to read. Readers MAY be used from several threads at
 * once.
 */
public interface LogReader extends TileReader, AutoCloseable {
  /** What this reads, for messages and reports ("https://log.example/", "backup /b"). */
  String describe();

  /**
   * The latest checkpoint note, as stored or served; not verified.
   *
   * @throws java.nio.file.NoSuchFileException if the log has published none
   */
  byte[] checkpoint() throws IOException;

  /**
   * The {@code tile.width() * 32} bytes of {@code tile}. A log may delete a partial tile once
   * the full tile exists (tlog-tiles), so a reader falls back to a wider version of the same
   * tile, cut to the width: hashes in a tile never change.
   *
   * @throws java.nio.file.NoSuchFileException if neither the tile nor a wider version exists
   * @throws MalformedObjectException if the stored tile is not a tile of its width (a full tile
   *     is 8,192 bytes)
   * @throws IOException if reading fails
   */
  @Override
  byte[] readTile(HashTile tile) throws IOException;

  /**
   * The bytes of {@code bundle}: exactly {@code bundle.width()} uint16-length-prefixed entries,
   * cut from a wider version of the bundle if the partial one is gone.
   *
   * @throws java.nio.file.NoSuchFileException if neither the bundle nor a wider version exists
   * @throws MalformedObjectException if the stored bundle does not hold the entries of its width
   *     (a full bundle exactly 256, with nothing after them)
   * @throws IOException if reading fails
   */
  byte[] readBundle(EntryBundle bundle) throws IOException;

  /** The entries of {@code bundle}, decoded. */
  default List<byte[]> entries(EntryBundle bundle) throws IOException {
    byte[] data = readBundle(bundle);
    try {
      return Bundles.decode(data, bundle.width());
    } catch (IllegalArgumentException e) {
      throw new MalformedObjectException(bundle.path() + " from " + describe()
          + " is malformed: " + e.getMessage());
    }
  }

  /** The root hash of the tree of {@code size} leaves, from the tiles. */
  default Hash treeHash(long size) throws IOException {
    return Proofs.treeHash(new TileHashReader(size, this), size);
  }

  /** The inclusion proof of leaf {@code index} in the tree of {@code size} leaves. */
  default List<Hash> inclusionProof(long index, long size) throws IOException {
    return Proofs.inclusion(new TileHashReader(size, this), index, size);
  }

  /** The consistency proof from the tree of {@code oldSize} leaves to that of {@code newSize}. */
  default List<Hash> consistencyProof(long oldSize, long newSize) throws IOException {
    return Proofs.consistency(new TileHashReader(newSize, this), oldSize, newSize);
  }

  /**
   * How many reads this reader serves well at once: 1 for local storage, where reading ahead on
   * other threads only adds work; more for a remote log, where each read waits for a round trip.
   * {@link Replay} keeps this many bundles in flight.
   */
  default int parallelism() {
    return 1;
  }

  /** Releases what the reader holds (connections, files). */
  @Override
  default void close() throws IOException {}
}
