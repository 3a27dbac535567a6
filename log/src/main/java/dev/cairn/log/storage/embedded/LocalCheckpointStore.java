package dev.cairn.log.storage.embedded;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * The latest checkpoint as one file, replaced atomically. Compare-and-swap is exact within this
 * process (one lock); the data directory's lock file keeps other processes out.
 */
public final class LocalCheckpointStore implements CheckpointStore {
  private final Path file;
  private final Path tmp;

  /** A store in {@code file}; temporary files go to {@code tmpDir}. */
  public LocalCheckpointStore(Path file, Path tmpDir) throws IOException {
    this.file = file;
    this.tmp = tmpDir;
    AtomicFiles.prepareTmpDir(tmpDir);
  }

  @Override
  public synchronized Optional<byte[]> latest() throws IOException {
    return AtomicFiles.read(file);
  }

  @Override
  public synchronized boolean create(byte[] first) throws IOException {
    if (AtomicFiles.read(file).isPresent()) {
      return false;
    }
    AtomicFiles.write(file, first, tmp);
    return true;
  }

  @Override
  public synchronized boolean compareAndSwap(byte[] expected, byte[] next) throws IOException {
    Optional<byte[]> current = AtomicFiles.read(file);
    if (current.isEmpty() || !Arrays.equals(current.get(), expected)) {
      return false;
    }
    AtomicFiles.write(file, next, tmp);
    return true;
  }
}
