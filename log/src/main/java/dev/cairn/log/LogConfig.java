package dev.cairn.log;

import dev.cairn.sequencer.SequencerConfig;
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
 */
public record LogConfig(Path dataDir, Optional<String> origin, SequencerConfig sequencing,
    Duration checkpointInterval, Clock clock) {
  /** The default checkpoint interval. */
  public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(1);

  /** Checks the interval. */
  public LogConfig {
    if (checkpointInterval.compareTo(Duration.ofMillis(10)) < 0
        || checkpointInterval.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException(
          "checkpoint interval must be 10ms to 1h, got " + checkpointInterval);
    }
  }

  /** The defaults for a data directory. */
  public static LogConfig defaults(Path dataDir) {
    return new LogConfig(dataDir, Optional.empty(), SequencerConfig.DEFAULT,
        DEFAULT_CHECKPOINT_INTERVAL, Clock.systemUTC());
  }
}
