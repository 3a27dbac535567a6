package dev.cairn.log.replay;

import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.embedded.AtomicFiles;
import dev.cairn.tile.TilePath;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The objects of a static tlog-tiles directory (a data directory's {@code tiles/}, a backup's),
 * read-only: safe beside a log that writes to it.
 *
 * @param root the directory holding {@code tile/}
 */
public record StaticDirectory(Path root) implements ObjectStore {
  @Override
  public void create(String path, byte[] data) {
    throw new UnsupportedOperationException(root + " is read-only here");
  }

  @Override
  public Optional<byte[]> get(String path) throws IOException {
    if (!path.equals(CHECKPOINT) && !TilePath.parse(path).path().equals(path)) {
      throw new IllegalArgumentException("not an object path: " + path);
    }
    return AtomicFiles.read(root.resolve(path));
  }

  @Override
  public void deletePartials(TilePath full, java.util.function.IntPredicate widths) {
    throw new UnsupportedOperationException(root + " is read-only here");
  }

  @Override
  public void publishCheckpoint(byte[] note) {
    throw new UnsupportedOperationException(root + " is read-only here");
  }
}
