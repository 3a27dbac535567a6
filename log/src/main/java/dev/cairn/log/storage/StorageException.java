package dev.cairn.log.storage;

import dev.cairn.read.MalformedObjectException;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * A storage operation failed, with the kind of failure an operator acts on. Backends translate
 * their own errors into it at their boundary (the embedded backend from the operating system's
 * error, PostgreSQL from its SQLSTATE, S3 from its status), so that the log above classifies
 * failures by {@link #kind()} and never by message text.
 */
public class StorageException extends IOException {
  private static final long serialVersionUID = 1L;

  /** The kinds of storage failure, most severe first; each is acted on differently. */
  public enum Kind {
    /** This holder's lease ended: another process may be sequencing; this one must stop. */
    FENCED("fenced", "lease lost", true),
    /**
     * Stored data contradicts what the log is about to store (an immutable object with other
     * bytes, a checkpoint that replaced the expected one): another writer, or corruption.
     */
    CONFLICT("conflict", "conflicting write", true),
    /** Stored data is inconsistent or unreadable (a corrupt record, a root that does not match). */
    CORRUPT("corrupt", "corrupt storage", true),
    /** The storage is full (ENOSPC, EDQUOT, PostgreSQL 53100): free space. */
    NO_SPACE("no_space", "disk full", false),
    /** The storage refuses writes (EROFS): usually the kernel's reaction to an error. */
    READ_ONLY("read_only", "read-only file system", false),
    /** The device fails reads or writes (EIO): a failing disk. */
    IO_ERROR("io_error", "I/O error", false),
    /** Any other failure, which may pass: retried. */
    OTHER("other", "storage failure", false);

    private final String label;
    private final String description;
    private final boolean fatal;

    Kind(String label, String description, boolean fatal) {
      this.label = label;
      this.description = description;
      this.fatal = fatal;
    }

    /** The value of the {@code kind} label in metrics. */
    public String label() {
      return label;
    }

    /** What it is, in a few words, for people. */
    public String description() {
      return description;
    }

    /** Whether retrying cannot help: the log stops and an operator must act. */
    public boolean fatal() {
      return fatal;
    }
  }

  private final Kind kind;

  /** A failure of {@code kind}. */
  public StorageException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  /** A failure of {@code kind} caused by {@code cause}. */
  public StorageException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  /** The kind of failure. */
  public Kind kind() {
    return kind;
  }

  /**
   * The kind of {@code failure}: that of the most severe {@link StorageException} among it, its
   * causes and suppressed exceptions — where a {@link MalformedObjectException} (a stored tile or
   * bundle of the wrong shape) counts as {@link Kind#CORRUPT} — or {@link Kind#OTHER}.
   */
  public static Kind kindOf(Throwable failure) {
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    ArrayDeque<Throwable> todo = new ArrayDeque<>();
    todo.add(failure);
    Kind found = null;
    while (!todo.isEmpty()) {
      Throwable t = todo.poll();
      if (!seen.add(t)) {
        continue;
      }
      Kind k = t instanceof StorageException s ? s.kind
          : t instanceof MalformedObjectException ? Kind.CORRUPT : null;
      if (k != null && (found == null || k.ordinal() < found.ordinal())) {
        found = k;
      }
      if (t.getCause() != null) {
        todo.add(t.getCause());
      }
      Collections.addAll(todo, t.getSuppressed());
    }
    return found == null ? Kind.OTHER : found;
  }
}
