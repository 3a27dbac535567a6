package dev.cairn.log.storage.embedded;

import dev.cairn.log.storage.ObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
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

  /**
   * Writes and fdatasyncs every temporary file in parallel, renames them into place, then
   * fsyncs each directory that changed once: two rounds of syncs instead of two per object.
   */
  @Override
  public void putAll(Map<String, byte[]> objects) throws IOException {
    List<Path> targets = new ArrayList<>(objects.size());
    for (String path : objects.keySet()) {
      Path file = resolve(path);
      ensureDurableDir(file.getParent());
      targets.add(file);
    }
    List<byte[]> data = new ArrayList<>(objects.values());
    Path[] temps = new Path[targets.size()];
    try {
      inParallel(targets.size(), i -> temps[i] = AtomicFiles.writeTemp(targets.get(i),
          data.get(i), tmp));
      for (int i = 0; i < targets.size(); i++) {
        AtomicFiles.rename(temps[i], targets.get(i));
        temps[i] = null;
      }
    } catch (IOException | RuntimeException e) {
      for (Path t : temps) {
        if (t != null) {
          AtomicFiles.deleteQuietly(t, e);
        }
      }
      throw e;
    }
    List<Path> dirs = new ArrayList<>(new LinkedHashSet<>(
        targets.stream().map(Path::getParent).toList()));
    inParallel(dirs.size(), i -> {
      AtomicFiles.syncDirectory(dirs.get(i));
      return dirs.get(i);
    });
  }

  @FunctionalInterface
  private interface Task<T> {
    T run(int i) throws IOException;
  }

  /** Runs {@code n} tasks on virtual threads; fails with the first failure after all finish. */
  private static <T> List<T> inParallel(int n, Task<T> task) throws IOException {
    if (n == 1) {
      return List.of(task.run(0));
    }
    List<Future<T>> futures = new ArrayList<>(n);
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < n; i++) {
        int index = i;
        futures.add(pool.submit(() -> task.run(index)));
      }
    }
    List<T> out = new ArrayList<>(n);
    IOException failed = null;
    for (Future<T> f : futures) {
      try {
        out.add(f.get());
      } catch (ExecutionException e) {
        if (failed == null) {
          failed = e.getCause() instanceof IOException io ? io
              : new IOException(e.getCause().toString(), e.getCause());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while writing objects");
      }
    }
    if (failed != null) {
      throw failed;
    }
    return out;
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
