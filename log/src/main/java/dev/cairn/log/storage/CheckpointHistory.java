package dev.cairn.log.storage;

import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Every checkpoint the log ever published, oldest first: the auditor's record that the log
 * showed one history to everyone.
 *
 * <p>Sizes strictly increase and times never go back, oldest first; nothing is ever removed or
 * changed. Reads MAY run concurrently with each other and with the publication of a checkpoint
 * (see {@link Lease#swap}).
 */
public interface CheckpointHistory {
  /**
   * A published checkpoint.
   *
   * @param size its tree size
   * @param time when it was published
   * @param note the signed checkpoint note
   */
  record Entry(long size, Instant time, byte[] note) {
    /** Copies the note. */
    public Entry {
      note = note.clone();
    }

    @Override
    public byte[] note() {
      return note.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Entry e && e.size == size && e.time.equals(time)
          && Arrays.equals(e.note, note);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(size) * 31 + Arrays.hashCode(note);
    }
  }

  /** The most recent entry. */
  Optional<Entry> last() throws IOException;

  /** The entry of exactly {@code size}. */
  Optional<Entry> bySize(long size) throws IOException;

  /**
   * Up to {@code limit} entries with size above {@code after} and time in {@code [from, to)},
   * oldest first.
   */
  List<Entry> list(long after, int limit, Instant from, Instant to) throws IOException;
}
