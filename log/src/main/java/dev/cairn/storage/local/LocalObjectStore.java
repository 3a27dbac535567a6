package dev.cairn.storage.local;

import dev.cairn.storage.ObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Objects as files under a root directory, at their own paths, so the directory can also be
 * served as static files. Temporary files live in a sibling {@code .tmp} directory that is swept
 * on open.
 */
public final class LocalObjectStore implements ObjectStore {
  private static final Pattern SAFE_PATH = Pattern.compile("tile(/[a-z0-9x]{1,8})+");

  private final Path root;
  private final Path tmp;
  /** Directories whose creation is known to be durable. */
  private final Set<Path> durableDirs = ConcurrentHashMap.newKeySet();

  /** A store rooted at {@code root}, created if missing. */
  public LocalObjectStore(Path root) throws IOException {
    this.root = root.toAbsolutePath();
    this.tmp = this.root.resolve(".tmp");
    Files.createDirectories(this.root);
    AtomicFiles.prepareTmpDir(tmp);
    durableDirs.add(this.root);
  }

  @Override
  public void put(String path, byte[] data) throws IOException {
    Path file = resolve(path);
    ensureDurableDir(file.getParent());
    AtomicFiles.write(file, data, tmp);
  }

  @Override
  public Optional<byte[]> get(String path) throws IOException {
    return AtomicFiles.read(resolve(path));
  }

  private Path resolve(String path) {
    if (!SAFE_PATH.matcher(path).matches()) {
      throw new IllegalArgumentException("not an object path: " + path);
    }
    return root.resolve(path);
  }

  /** Creates {@code dir} and its missing parents, fsyncing each parent of a new directory. */
  private void ensureDurableDir(Path dir) throws IOException {
    if (durableDirs.contains(dir)) {
      return;
    }
    ensureDurableDir(dir.getParent());
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir);
    }
    AtomicFiles.syncDirectory(dir.getParent());
    durableDirs.add(dir);
  }
}
