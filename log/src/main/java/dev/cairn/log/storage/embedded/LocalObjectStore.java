package dev.cairn.log.storage.embedded;

import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.StorageException;
import dev.cairn.tile.TilePath;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntPredicate;

/**
 * Objects as files under a root directory at their own paths, so the directory is a static
 * tlog-tiles log any web server can serve. An object is written to a synced temporary file and
 * then hard-linked to its path: {@code link(2)} fails where a file exists, so an object is never
 * replaced, and a crash leaves the whole file or none. Temporary files live in {@code .tmp}
 * under the root (the same file system, which links need), swept on open.
 */
public final class LocalObjectStore implements ObjectStore {
  private final Path root;
  private final Path tmp;
  /**
   * Directories whose creation is known to be durable: every {@code xNNN} directory (one per
   * 256 tiles), and the {@code <N>.p} directories of the tiles partial lately — bounded, since
   * there is one per tile and each is deleted once its tile is full.
   */
  private final Set<Path> durableDirs = ConcurrentHashMap.newKeySet();
  private final Set<Path> durablePartialDirs = Collections.synchronizedSet(
      Collections.newSetFromMap(new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Path, Boolean> eldest) {
          return size() > 4096;
        }
      }));

  /** A store rooted at {@code root}, created if missing. */
  public LocalObjectStore(Path root) throws IOException {
    try {
      this.root = root.toAbsolutePath();
      this.tmp = this.root.resolve(".tmp");
      Files.createDirectories(this.root);
      AtomicFiles.prepareTmpDir(tmp);
    } catch (IOException e) {
      throw FileErrors.wrap(e);
    }
    durableDirs.add(this.root);
  }

  /** The root directory. */
  public Path root() {
    return root;
  }

  @Override
  public void create(String path, byte[] data) throws IOException {
    createAll(Map.of(path, data));
  }

  /**
   * Writes and fdatasyncs every temporary file in parallel, links them into place, then fsyncs
   * each directory that changed — those the objects went into, and the parents of directories
   * made for them — once, in parallel: two rounds of syncs instead of two per object.
   */
  @Override
  public void createAll(Map<String, byte[]> objects) throws IOException {
    try {
      List<Path> targets = new ArrayList<>(objects.size());
      Set<Path> dirs = new LinkedHashSet<>();
      Set<Path> made = new LinkedHashSet<>();
      for (String path : objects.keySet()) {
        Path file = resolveTile(path);
        makeDir(file.getParent(), dirs, made);
        dirs.add(file.getParent());
        targets.add(file);
      }
      List<byte[]> data = new ArrayList<>(objects.values());
      Path[] temps = new Path[targets.size()];
      try {
        inParallel(targets.size(), i -> temps[i] = AtomicFiles.writeTemp(targets.get(i),
            data.get(i), tmp));
        for (int i = 0; i < targets.size(); i++) {
          link(temps[i], targets.get(i), data.get(i));
          Files.delete(temps[i]);
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
      List<Path> sync = new ArrayList<>(dirs);
      inParallel(sync.size(), i -> {
        AtomicFiles.syncDirectory(sync.get(i));
        return sync.get(i);
      });
      // Only now are the directories made for these objects durable.
      for (Path d : made) {
        (isPartialDir(d) ? durablePartialDirs : durableDirs).add(d);
      }
    } catch (IOException e) {
      throw FileErrors.wrap(e);
    }
  }

  /** Links the synced temporary file to {@code target}, unless the same bytes are there. */
  private static void link(Path temp, Path target, byte[] data) throws IOException {
    try {
      Files.createLink(target, temp);
    } catch (FileAlreadyExistsException e) {
      byte[] stored = Files.readAllBytes(target);
      if (!Arrays.equals(stored, data)) {
        throw new StorageException(StorageException.Kind.CONFLICT, target + " already holds "
            + stored.length + " other bytes than the " + data.length + " being written:"
            + " objects never change, so the stored log and the one being written disagree"
            + " (run `cairn verify --data`)");
      }
    }
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
    Path file = path.equals(CHECKPOINT) ? root.resolve(CHECKPOINT) : resolveTile(path);
    try {
      return AtomicFiles.read(file);
    } catch (IOException e) {
      throw FileErrors.wrap(e);
    }
  }

  @Override
  public void deletePartials(TilePath full, IntPredicate widths) throws IOException {
    if (full.isPartial()) {
      throw new IllegalArgumentException(full.path() + " is not a full tile");
    }
    Path dir = resolveTile(full.path() + ".p/1").getParent();
    durablePartialDirs.remove(dir);
    boolean all = true;
    try (var files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String name = p.getFileName().toString();
        if (name.matches("[1-9][0-9]{0,2}") && widths.test(Integer.parseInt(name))) {
          Files.deleteIfExists(p);
        } else {
          all = false;
        }
      }
      if (all) {
        Files.deleteIfExists(dir);
      }
    } catch (NoSuchFileException e) {
      return;
    } catch (IOException e) {
      throw FileErrors.wrap(e);
    }
    // Not synced: a deletion that a crash undoes leaves a correct, unused partial tile.
  }

  @Override
  public void publishCheckpoint(byte[] note) throws IOException {
    try {
      AtomicFiles.write(root.resolve(CHECKPOINT), note, tmp);
    } catch (IOException e) {
      throw FileErrors.wrap(e);
    }
  }

  /** The file of a canonical tile or bundle path; anything else is refused. */
  private Path resolveTile(String path) {
    try {
      TilePath.parse(path); // strict: only the canonical form of a tile path parses
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not an object path: " + path, e);
    }
    return root.resolve(path);
  }

  /**
   * Creates {@code dir} and its missing parents unless it is known to be durable; the parents
   * whose entries then need a sync go to {@code toSync}, and the directories to {@code made}.
   */
  private void makeDir(Path dir, Set<Path> toSync, Set<Path> made) throws IOException {
    if ((isPartialDir(dir) ? durablePartialDirs : durableDirs).contains(dir)
        || made.contains(dir)) {
      return;
    }
    makeDir(dir.getParent(), toSync, made);
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir);
    }
    // Also if it was there already: made by a process that may have crashed before the sync.
    toSync.add(dir.getParent());
    made.add(dir);
  }

  private static boolean isPartialDir(Path dir) {
    return dir.getFileName().toString().endsWith(".p");
  }
}
