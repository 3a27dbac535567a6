package dev.cairn.witness;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.log.storage.embedded.AtomicFiles;
import dev.cairn.note.NoteException;
import dev.cairn.note.SignedNote;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest checkpoint the witness cosigned for each origin: the whole note, with the log
 * signatures that verified and the witness's own cosignatures, one file per origin at {@code
 * checkpoints/<hex SHA-256(origin)>}.
 *
 * <p>Durability: {@link #put} returns once the new note is durable (temporary file in {@code
 * tmp/}, fsync, rename over the origin's file, directory fsync); after a crash the file holds
 * the previous note or the new one, never a mix. Nothing here deletes or lowers a record: a
 * record is only replaced, and {@link Witness} replaces it only under the origin's lock with a
 * checkpoint consistent with it and at least as large. Reads are lock-free (a map of immutable
 * records); writes to one origin must be serialised by the caller.
 */
final class CosignedState {
  /**
   * One origin's record.
   *
   * @param checkpoint the parsed checkpoint
   * @param note the stored note: checkpoint, log signatures, cosignatures
   */
  record Cosigned(Checkpoint checkpoint, byte[] note) {}

  private final Path dir;
  private final Path tmp;
  private final Map<String, Cosigned> byOrigin = new ConcurrentHashMap<>();
  /** The same records by {@link #fileName} of their origin, for the monitoring path. */
  private final Map<String, Cosigned> byHash = new ConcurrentHashMap<>();

  private CosignedState(Path dir, Path tmp) {
    this.dir = dir;
    this.tmp = tmp;
  }

  /**
   * Reads every record in {@code dataDir}.
   *
   * @throws IOException if a record cannot be read or is damaged (named): the witness must not
   *     start and forget what it cosigned
   */
  static CosignedState open(Path dataDir) throws IOException {
    Path dir = dataDir.resolve("checkpoints");
    Path tmp = dataDir.resolve("tmp");
    Files.createDirectories(dir);
    AtomicFiles.prepareTmpDir(tmp);
    AtomicFiles.syncDirectory(dataDir);
    CosignedState s = new CosignedState(dir, tmp);
    try (var files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Cosigned c = parse(f, Files.readAllBytes(f));
        if (!f.getFileName().toString().equals(fileName(c.checkpoint().origin()))) {
          throw new IOException(f + " holds a checkpoint of " + c.checkpoint().origin()
              + ", whose file is " + fileName(c.checkpoint().origin()));
        }
        s.remember(c);
      }
    }
    return s;
  }

  private static Cosigned parse(Path f, byte[] note) throws IOException {
    try {
      SignedNote n = SignedNote.parse(note);
      return new Cosigned(Checkpoint.parse(n.text()), note);
    } catch (NoteException | IllegalArgumentException e) {
      throw new IOException("the cosigned checkpoint " + f + " is damaged: " + e.getMessage());
    }
  }

  /** The lowercase hex SHA-256 of the origin: its file name and its path in the API. */
  static String fileName(String origin) {
    return dev.cairn.witnessing.MonitoringPath.originHash(origin);
  }

  /** The latest record of {@code origin}, if it was ever cosigned. */
  Optional<Cosigned> latest(String origin) {
    return Optional.ofNullable(byOrigin.get(origin));
  }

  /** The record whose origin hashes to {@code hex}, if any. */
  Optional<Cosigned> byHash(String hex) {
    return Optional.ofNullable(byHash.get(hex));
  }

  /** Every record, by origin. */
  Map<String, Cosigned> all() {
    return Map.copyOf(byOrigin);
  }

  /**
   * Makes {@code note} (of {@code checkpoint}) the origin's record, durably, then in memory.
   * The caller holds the origin's lock.
   */
  void put(Checkpoint checkpoint, byte[] note) throws IOException {
    AtomicFiles.write(dir.resolve(fileName(checkpoint.origin())), note, tmp);
    remember(new Cosigned(checkpoint, note.clone()));
  }

  private void remember(Cosigned c) {
    byOrigin.put(c.checkpoint().origin(), c);
    byHash.put(fileName(c.checkpoint().origin()), c);
  }
}
