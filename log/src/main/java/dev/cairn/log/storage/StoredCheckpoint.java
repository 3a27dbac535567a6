package dev.cairn.log.storage;

import java.time.Instant;

/**
 * The latest checkpoint as a {@link Coordinator} keeps it.
 *
 * @param note the signed note, as published
 * @param time when it was published
 * @param version what a {@link Lease#swap} expects to replace it
 */
public record StoredCheckpoint(byte[] note, Instant time, Version version) {
  /** Copies the note. */
  public StoredCheckpoint {
    note = note.clone();
  }

  @Override
  public byte[] note() {
    return note.clone();
  }
}
