package dev.cairn.log.sequencing;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Set;

/**
 * Why a part of the log cannot write now, as an operator needs to see it.
 *
 * @param component the failing part: {@code sequencer} (the commit of writes), {@code integrator}
 *     (tiles and bundles) or {@code publisher} (checkpoints and their history)
 * @param kind what kind of failure, which says what to do about it
 * @param reason the latest failure on one line, e.g. {@code writing tiles failed: disk full:
 *     couldn't write tile/entries/001: No space left on device}
 * @param since when the first of this run of failures happened
 */
public record StorageFault(String component, Kind kind, String reason, Instant since) {
  /** The kinds of storage failure an operator acts on differently. */
  public enum Kind {
    /** The file system is full (ENOSPC or EDQUOT): free space. */
    NO_SPACE("no_space", "disk full"),
    /** The file system is read-only (EROFS): usually the kernel's reaction to an error. */
    READ_ONLY("read_only", "read-only file system"),
    /** The device fails reads or writes (EIO): a failing disk. */
    IO_ERROR("io_error", "I/O error"),
    /** Anything else. */
    OTHER("other", "storage failure");

    private final String label;
    private final String description;

    Kind(String label, String description) {
      this.label = label;
      this.description = description;
    }

    /** The value of the {@code kind} label in metrics. */
    public String label() {
      return label;
    }

    /** What it is, in a few words, for people. */
    public String description() {
      return description;
    }

    /**
     * The kind of {@code failure}, from the operating system's message (strerror) anywhere in
     * its causes or suppressed exceptions: Java and RocksDB both pass it on in their messages.
     */
    public static Kind of(Throwable failure) {
      Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
      ArrayDeque<Throwable> todo = new ArrayDeque<>();
      todo.add(failure);
      Kind found = OTHER;
      while (!todo.isEmpty()) {
        Throwable t = todo.poll();
        if (!seen.add(t)) {
          continue;
        }
        Kind k = ofMessage(t.getMessage());
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

    private static Kind ofMessage(String message) {
      if (message == null) {
        return OTHER;
      }
      String m = message.toLowerCase(Locale.ROOT);
      if (m.contains("no space left on device") || m.contains("disk quota exceeded")) {
        return NO_SPACE;
      }
      if (m.contains("read-only file system")) {
        return READ_ONLY;
      }
      if (m.contains("input/output error")) {
        return IO_ERROR;
      }
      return OTHER;
    }
  }
}
