package dev.cairn.log;

import dev.cairn.log.health.ComponentHealth;
import dev.cairn.log.publishing.CheckpointEndorser;
import dev.cairn.log.publishing.Checkpoints;
import dev.cairn.log.sequencing.Submissions;
import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.log.storage.Coordinator;
import dev.cairn.log.storage.TreeTiles;
import dev.cairn.log.tracing.Tracing;
import java.nio.file.Path;
import java.util.List;

/**
 * What the HTTP API serves: a log's submissions, checkpoints, tiles and coordination. A {@link
 * TransparencyLog} on one data directory, or one node of a cluster.
 */
public interface ServedLog extends AutoCloseable {
  /** The origin and keys. */
  LogKeys keys();

  /** Where submissions go. */
  Submissions submissions();

  /** The published checkpoints. */
  Checkpoints checkpoints();

  /** The tiles and bundles of the published tree, at any width within the latest checkpoint. */
  TreeTiles tiles();

  /** The coordination: the latest checkpoint, the history, lookups by leaf hash. */
  Coordinator coordinator();

  /** Every published checkpoint. */
  default CheckpointHistory history() {
    return coordinator().history();
  }

  /** What checkpoints go through before publication: the witness quorum, if any. */
  CheckpointEndorser endorser();

  /** The health of each part that writes, for readiness and metrics. */
  List<ComponentHealth> health();

  /** The metrics. */
  LogMetrics metrics();

  /** Where the spans of requests go; nowhere unless the log is traced. */
  default Tracing tracing() {
    return Tracing.off();
  }

  /** The local directory of the log's keys and files. */
  Path dataDir();

  /**
   * Called once the log is served (its HTTP server started): starts the background work that
   * would otherwise slow the start, such as the copy of the dedup index into memory.
   */
  default void serving() {}

  /** Stops taking writes, publishes what was acknowledged if it can, and releases storage. */
  @Override
  void close() throws java.io.IOException;
}
