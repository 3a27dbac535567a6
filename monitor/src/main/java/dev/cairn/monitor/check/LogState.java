package dev.cairn.monitor.check;

import java.time.Instant;
import java.util.Objects;

/**
 * The last checkpoint the monitor accepted for a log: every check of a run passed on it. The
 * next run checks the log's new checkpoint against it and replays only the entries since.
 *
 * @param note the signed checkpoint note, verbatim
 * @param size its tree size
 * @param root its root hash, base64
 * @param seenSince when a run first saw a checkpoint of this size and root (a log's checkpoint
 *     with no cosignature has no date: its age is counted from here)
 * @param acceptedAt when it was accepted
 * @param runId the run that accepted it
 */
public record LogState(String note, long size, String root, Instant seenSince,
    Instant acceptedAt, String runId) {
  /** Checks nothing is null. */
  public LogState {
    Objects.requireNonNull(note, "note");
    Objects.requireNonNull(root, "root");
    Objects.requireNonNull(seenSince, "seenSince");
    Objects.requireNonNull(acceptedAt, "acceptedAt");
    Objects.requireNonNull(runId, "runId");
  }
}
