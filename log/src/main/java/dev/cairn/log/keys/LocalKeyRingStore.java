package dev.cairn.log.keys;

import dev.cairn.log.storage.Version;
import dev.cairn.log.storage.embedded.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The key ring of the log in a data directory: the file {@code keys/ring.json}, replaced
 * atomically. A version is the SHA-256 of the file's bytes, so a ring edited by hand also makes
 * the versions loaded before it stale. Compare-and-swap is exact within one store (one lock);
 * the data directory's lock keeps other processes out. Reading needs nothing else, so this also
 * reads the ring of a backup.
 */
public final class LocalKeyRingStore implements KeyRingStore {
  private final Path file;

  /** The ring of the log in {@code dataDir}; its {@code keys} directory must exist to commit. */
  public LocalKeyRingStore(Path dataDir) {
    this.file = dataDir.resolve(KeyRing.FILE);
  }

  @Override
  public synchronized Optional<Stored> load() throws IOException {
    Optional<byte[]> bytes = AtomicFiles.read(file);
    if (bytes.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new Stored(KeyRing.parse(bytes.get()), version(bytes.get())));
    } catch (IOException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized Optional<Version> commit(Optional<Version> expected, KeyRing next)
      throws IOException {
    Optional<Version> stored = AtomicFiles.read(file).map(LocalKeyRingStore::version);
    if (!stored.equals(expected)) {
      return Optional.empty();
    }
    byte[] bytes = next.encode();
    Path dir = file.getParent();
    // 1. The new ring in a synced temporary file beside ring.json: a crash now leaves the old
    //    ring in use (and a stray .tmp file).
    Path tmp = AtomicFiles.writeTemp(file, bytes, dir);
    // 2. Renamed over ring.json: from here on every load, and the next start, reads the new ring.
    //    A failure past this point throws with the new ring in place, which the contract allows.
    AtomicFiles.rename(tmp, file);
    // 3. The directory synced: the rename survives a crash of the machine.
    AtomicFiles.syncDirectory(dir);
    return Optional.of(version(bytes));
  }

  private static Version version(byte[] ring) {
    try {
      return new Version("sha256:" + HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(ring)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return "the key ring " + file;
  }
}
