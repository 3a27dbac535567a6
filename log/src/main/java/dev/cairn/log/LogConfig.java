package dev.cairn.log;

import dev.cairn.log.keys.HsmSettings;
import dev.cairn.log.publishing.CheckpointEndorser;
import dev.cairn.log.sequencing.SequencerConfig;
import dev.cairn.log.tracing.Tracing;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Where a log lives and how it batches and publishes.
 *
 * @param dataDir the data directory, created if missing
 * @param origin the origin of a new log (ignored but checked for an existing one)
 * @param sequencing batching of writes
 * @param checkpointInterval how often to publish a checkpoint when the tree grew
 * @param clock the clock for checkpoint and cosignature times
 * @param hsm the PKCS#11 token holding checkpoint keys, if any
 * @param nodeId this process's name as a lease holder, in messages and metrics
 * @param endorser what a signed checkpoint goes through before it is published (witnesses)
 * @param endorseTimeout how long publication waits for the endorser
 * @param maxUnpublished the most acknowledged entries that may wait for a checkpoint before
 *     writers are pushed back (503): while publication is held back — a witness quorum missing,
 *     fail-closed — the log keeps acknowledging up to this many entries no client can yet
 *     verify, then stops
 * @param tracing where the spans of requests, sequencing, integration and publication go
 * @param tileSyncDelay how long after they are written the embedded storage syncs tiles and
 *     bundles (by then the kernel has written them back, and a sync is cheap); zero syncs each
 *     integration's at once. Until synced, the sequence log keeps their batches.
 */
public record LogConfig(Path dataDir, Optional<String> origin, SequencerConfig sequencing,
    Duration checkpointInterval, Clock clock, Optional<HsmSettings> hsm, String nodeId,
    CheckpointEndorser endorser, Duration endorseTimeout, long maxUnpublished,
    Tracing tracing, Duration tileSyncDelay) {
  /** The default checkpoint interval. */
  public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(1);
  /** The default bound on acknowledged entries waiting for a checkpoint. */
  public static final long DEFAULT_MAX_UNPUBLISHED = 1L << 20;
  /** The default time publication waits for the endorser. */
  public static final Duration DEFAULT_ENDORSE_TIMEOUT = Duration.ofSeconds(10);
  /**
   * The default delay of tile syncs: none, each integration's are synced as written. Where it
   * is set, 40 s suits Linux, which writes a dirty page back once it is 30 s old ({@code
   * vm.dirty_expire_centisecs}), on a flusher's round every 5 s; measured on this project's
   * benchmark machine it did not pay (docs/design/sequencing-and-durability.md).
   */
  public static final Duration DEFAULT_TILE_SYNC_DELAY = Duration.ZERO;

  /** Checks the intervals. */
  public LogConfig {
    if (checkpointInterval.compareTo(Duration.ofMillis(10)) < 0
        || checkpointInterval.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException(
          "checkpoint interval must be 10ms to 1h, got " + checkpointInterval);
    }
    if (maxUnpublished < 1) {
      throw new IllegalArgumentException("the most unpublished entries must be at least 1, got "
          + maxUnpublished);
    }
    if (endorseTimeout.isNegative() || endorseTimeout.isZero()) {
      throw new IllegalArgumentException("endorsement timeout must be positive, got "
          + endorseTimeout);
    }
    // Longer, a start after a crash would replay minutes of writes, and the objects waiting
    // for their sync would be millions.
    if (tileSyncDelay.isNegative() || tileSyncDelay.compareTo(Duration.ofMinutes(2)) > 0) {
      throw new IllegalArgumentException("tile sync delay must be 0 to 2m, got "
          + tileSyncDelay);
    }
  }

  /** A configuration with the default tile sync delay (none: tiles synced as written). */
  public LogConfig(Path dataDir, Optional<String> origin, SequencerConfig sequencing,
      Duration checkpointInterval, Clock clock, Optional<HsmSettings> hsm, String nodeId,
      CheckpointEndorser endorser, Duration endorseTimeout, long maxUnpublished,
      Tracing tracing) {
    this(dataDir, origin, sequencing, checkpointInterval, clock, hsm, nodeId, endorser,
        endorseTimeout, maxUnpublished, tracing, DEFAULT_TILE_SYNC_DELAY);
  }

  /**
   * The checkpoint lag this log promises not to exceed: twice the checkpoint interval (an
   * entry sequenced just after a publication waits for the next one, which may itself wait a
   * tick) and the endorser's round time (a witness round; zero without witnesses).
   */
  public Duration freshnessObjective() {
    return checkpointInterval.multipliedBy(2).plus(endorser.roundTime());
  }

  /** A configuration publishing without an endorser, possibly with a PKCS#11 token. */
  public LogConfig(Path dataDir, Optional<String> origin, SequencerConfig sequencing,
      Duration checkpointInterval, Clock clock, Optional<HsmSettings> hsm) {
    this(dataDir, origin, sequencing, checkpointInterval, clock, hsm, "local",
        CheckpointEndorser.NONE, DEFAULT_ENDORSE_TIMEOUT, DEFAULT_MAX_UNPUBLISHED,
        Tracing.off());
  }

  /** A configuration without a PKCS#11 token or an endorser. */
  public LogConfig(Path dataDir, Optional<String> origin, SequencerConfig sequencing,
      Duration checkpointInterval, Clock clock) {
    this(dataDir, origin, sequencing, checkpointInterval, clock, Optional.empty());
  }

  /** This configuration signing with keys on {@code hsm} too. */
  public LogConfig withHsm(HsmSettings hsm) {
    return new LogConfig(dataDir, origin, sequencing, checkpointInterval, clock,
        Optional.of(hsm), nodeId, endorser, endorseTimeout, maxUnpublished, tracing,
        tileSyncDelay);
  }

  /** This configuration with checkpoints going through {@code endorser} before publication. */
  public LogConfig withEndorser(CheckpointEndorser endorser, Duration timeout) {
    return new LogConfig(dataDir, origin, sequencing, checkpointInterval, clock, hsm, nodeId,
        endorser, timeout, maxUnpublished, tracing, tileSyncDelay);
  }

  /** This configuration pushing writers back beyond {@code max} unpublished entries. */
  public LogConfig withMaxUnpublished(long max) {
    return new LogConfig(dataDir, origin, sequencing, checkpointInterval, clock, hsm, nodeId,
        endorser, endorseTimeout, max, tracing, tileSyncDelay);
  }

  /** This configuration naming this process {@code nodeId} (in a cluster: unique per node). */
  public LogConfig withNodeId(String nodeId) {
    return new LogConfig(dataDir, origin, sequencing, checkpointInterval, clock, hsm, nodeId,
        endorser, endorseTimeout, maxUnpublished, tracing, tileSyncDelay);
  }

  /** This configuration sending its spans to {@code tracing}. */
  public LogConfig withTracing(Tracing tracing) {
    return new LogConfig(dataDir, origin, sequencing, checkpointInterval, clock, hsm, nodeId,
        endorser, endorseTimeout, maxUnpublished, tracing, tileSyncDelay);
  }

  /** This configuration syncing tiles {@code delay} after they are written (zero: at once). */
  public LogConfig withTileSyncDelay(Duration delay) {
    return new LogConfig(dataDir, origin, sequencing, checkpointInterval, clock, hsm, nodeId,
        endorser, endorseTimeout, maxUnpublished, tracing, delay);
  }

  /** The defaults for a data directory. */
  public static LogConfig defaults(Path dataDir) {
    return new LogConfig(dataDir, Optional.empty(), SequencerConfig.DEFAULT,
        DEFAULT_CHECKPOINT_INTERVAL, Clock.systemUTC());
  }
}
