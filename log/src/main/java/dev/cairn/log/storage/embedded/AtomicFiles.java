package dev.cairn.log.storage.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Durable, atomic file replacement: write a temporary file and fdatasync it, rename it over the
 * target, fsync the directory. After a crash the target holds the old or the new bytes.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Replaces {@code target} with {@code data}; {@code tmpDir} must be on the same file system. */
  public static void write(Path target, byte[] data, Path tmpDir) throws IOException {
    Path tmp = writeTemp(target, data, tmpDir);
    rename(tmp, target);
    syncDirectory(target.getParent());
  }

  /** Writes {@code data} to a new synced temporary file for {@code target} and returns it. */
  public static Path writeTemp(Path target, byte[] data, Path tmpDir) throws IOException {
    return writeTemp(target, data, tmpDir, false);
  }

  /**
   * Writes {@code data} to a new synced temporary file for {@code target} and returns it; with
   * {@code ownerOnly} readable by its owner alone from the moment it exists (for keys).
   */
  public static Path writeTemp(Path target, byte[] data, Path tmpDir, boolean ownerOnly)
      throws IOException {
    return writeTemp(target, ByteBuffer.wrap(data), tmpDir, ownerOnly);
  }

  /** Writes {@code data} to a new temporary file for {@code target}, not synced. */
  public static Path writeTempUnsynced(Path target, byte[] data, Path tmpDir)
      throws IOException {
    return writeTemp(target, ByteBuffer.wrap(data), tmpDir, false, false);
  }

  /** Writes the remaining bytes of {@code data} as {@link #writeTemp(Path, byte[], Path)}. */
  public static Path writeTemp(Path target, ByteBuffer data, Path tmpDir) throws IOException {
    return writeTemp(target, data, tmpDir, false);
  }

  private static Path writeTemp(Path target, ByteBuffer b, Path tmpDir, boolean ownerOnly)
      throws IOException {
    return writeTemp(target, b, tmpDir, ownerOnly, true);
  }

  private static Path writeTemp(Path target, ByteBuffer b, Path tmpDir, boolean ownerOnly,
      boolean sync) throws IOException {
    Path tmp = tmpDir.resolve(target.getFileName() + "." + Long.toHexString(
        ThreadLocalRandom.current().nextLong()) + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE), ownerOnly ? ownerOnly(tmp, "rw-------") : NONE)) {
      while (b.hasRemaining()) {
        ch.write(b);
      }
      if (sync) {
        ch.force(false);
      }
    } catch (FileSystemException | RuntimeException e) {
      deleteQuietly(tmp, e);
      throw e;
    } catch (IOException e) {
      // A failed write or sync says only what went wrong (ENOSPC, EIO): say where, too.
      IOException named = new IOException("couldn't write " + tmp + ": " + e.getMessage(), e);
      deleteQuietly(tmp, named);
      throw named;
    }
    return tmp;
  }

  /** Renames a synced temporary file over {@code target}; the directory still needs a sync. */
  public static void rename(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      deleteQuietly(tmp, e);
      throw e;
    }
  }

  static void deleteQuietly(Path tmp, Exception cause) {
    try {
      Files.deleteIfExists(tmp);
    } catch (IOException suppressed) {
      cause.addSuppressed(suppressed);
    }
  }

  /** Fsyncs a directory, making the names in it durable. */
  public static void syncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (FileSystemException e) {
      throw e;
    } catch (IOException e) {
      throw new IOException("couldn't sync directory " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The bytes of {@code file}, or empty if it does not exist. */
  public static Optional<byte[]> read(Path file) throws IOException {
    try {
      return Optional.of(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /**
   * Creates {@code file}, which must not exist, with {@code data}, synced; with {@code ownerOnly}
   * readable by its owner alone from the moment it exists (for keys).
   */
  public static void createNew(Path file, byte[] data, boolean ownerOnly) throws IOException {
    try (FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE), ownerOnly ? ownerOnly(file, "rw-------") : NONE)) {
      ByteBuffer b = ByteBuffer.wrap(data);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
  }

  private static final FileAttribute<?>[] NONE = {};

  /**
   * Creates the directory {@code dir} (its parent must exist) that only its owner may enter, from
   * the moment it exists (for keys); a directory that exists already is left as it is.
   */
  public static void createOwnerOnlyDirectory(Path dir) throws IOException {
    try {
      Files.createDirectory(dir, ownerOnly(dir, "rwx------"));
    } catch (FileAlreadyExistsException e) {
      if (!Files.isDirectory(dir)) {
        throw e;
      }
    }
  }

  /**
   * The permissions {@code mode} as an attribute to create {@code path} with, where its file
   * system has POSIX permissions (the process's umask can only remove from them, never add).
   */
  private static FileAttribute<?>[] ownerOnly(Path path, String mode) {
    return path.getFileSystem().supportedFileAttributeViews().contains("posix")
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString(mode))}
        : NONE;
  }

  /** Deletes {@code root} and everything under it, if it exists. */
  public static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (java.util.stream.Stream<Path> files = Files.walk(root)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Creates {@code tmpDir} if needed and removes temporary files a crash left in it. */
  public static void prepareTmpDir(Path tmpDir) throws IOException {
    Files.createDirectories(tmpDir);
    try (var files = Files.list(tmpDir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (p.getFileName().toString().endsWith(".tmp")) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
