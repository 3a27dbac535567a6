package dev.cairn.log.storage.embedded;

import dev.cairn.log.storage.StorageException;
import dev.cairn.log.storage.StorageException.Kind;
import dev.cairn.read.MalformedObjectException;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Set;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/**
 * Translates the embedded backend's failures into {@link StorageException}s at its boundary.
 * RocksDB says what failed in its status codes; Java's file API exposes no errno, only the
 * operating system's message (strerror) in the exception, so this is the one place that reads
 * that text: everything above classifies by {@link StorageException#kind()}. (The audit log,
 * a file the log writes outside its storage, is classified here too.)
 */
public final class FileErrors {
  private FileErrors() {}

  /**
   * {@code failure} as a {@link StorageException}: itself if it is one, else wrapped with the
   * same message and the kind its causes show.
   */
  public static StorageException wrap(Throwable failure) {
    if (failure instanceof StorageException s) {
      return s;
    }
    String message = failure.getMessage() != null ? failure.getMessage() : failure.toString();
    return new StorageException(kindOf(failure), message, failure);
  }

  /** The kind of {@code failure}, from any of its causes or suppressed exceptions. */
  static Kind kindOf(Throwable failure) {
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    ArrayDeque<Throwable> todo = new ArrayDeque<>();
    todo.add(failure);
    Kind found = Kind.OTHER;
    while (!todo.isEmpty()) {
      Throwable t = todo.poll();
      if (!seen.add(t)) {
        continue;
      }
      Kind k = t instanceof StorageException s ? s.kind()
          : t instanceof MalformedObjectException ? Kind.CORRUPT
          : t instanceof RocksDBException r && r.getStatus() != null ? ofStatus(r.getStatus())
          : ofMessage(t.getMessage());
      if (k.ordinal() < found.ordinal()) {
        found = k;
      }
      if (t.getCause() != null) {
        todo.add(t.getCause());
      }
      Collections.addAll(todo, t.getSuppressed());
    }
    return found;
  }

  private static Kind ofStatus(Status status) {
    if (status.getSubCode() == Status.SubCode.NoSpace) {
      return Kind.NO_SPACE;
    }
    if (status.getCode() == Status.Code.Corruption) {
      return Kind.CORRUPT;
    }
    // RocksDB reports other I/O failures as IOError with the operating system's message.
    return ofMessage(status.getState());
  }

  /** The kind an operating system error message (strerror, as Java and RocksDB pass it) names. */
  private static Kind ofMessage(String message) {
    if (message == null) {
      return Kind.OTHER;
    }
    String m = message.toLowerCase(Locale.ROOT);
    if (m.contains("no space left on device") || m.contains("disk quota exceeded")) {
      return Kind.NO_SPACE;
    }
    if (m.contains("read-only file system")) {
      return Kind.READ_ONLY;
    }
    if (m.contains("input/output error")) {
      return Kind.IO_ERROR;
    }
    return Kind.OTHER;
  }
}
