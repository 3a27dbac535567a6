package dev.cairn.log.sequencing;

import dev.cairn.tile.Bundles;
import java.time.Duration;

/**
 * How the sequencer batches.
 *
 * @param interval the shortest time between the starts of two batches, so also the longest a
 *     submission waits for its batch to start (a full batch starts at once)
 * @param batchSize the most entries in one batch; a full batch starts at once
 * @param poolLimit the most entries waiting for a batch; beyond it submissions get pushback
 * @param poolBytes the most bytes of entries waiting for a batch or being sequenced; beyond it
 *     submissions get pushback. At least the largest entry, so that any entry may fit
 * @param integrationSpacing the shortest time between two integrations the integrator starts
 *     of its own accord while fewer than 1,024 entries (four bundles) wait for theirs; 0
 *     integrates back to back. A checkpoint, a stop and a backlog of tiles that cannot be
 *     written integrate at once whatever it says
 */
public record SequencerConfig(Duration interval, int batchSize, int poolLimit, long poolBytes,
    Duration integrationSpacing) {
  /** The default bound on the bytes pooled: 64 MiB, whatever the entries' sizes. */
  public static final long DEFAULT_POOL_BYTES = 64L << 20;

  /**
   * The default integration spacing, 50 ms: under a stream of small batches the integrator
   * rewrites (and syncs) the partial tiles of its own accord at most 20 times a second, instead
   * of back to back (docs/design/sequencing-and-durability.md).
   */
  public static final Duration DEFAULT_INTEGRATION_SPACING = Duration.ofMillis(50);

  /**
   * The defaults: a batch at most every 2 ms, of up to 4,096 entries; 65,536 entries and
   * 64 MiB pooled. A batch's sync takes about as long under load, so a busy log's batches run
   * back to back, each taking what arrived during the last
   * (docs/design/sequencing-and-durability.md).
   */
  public static final SequencerConfig DEFAULT =
      new SequencerConfig(Duration.ofMillis(2), 4096, 65_536);

  /** Checks the ranges. */
  public SequencerConfig {
    if (interval.isNegative() || interval.isZero()
        || interval.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new IllegalArgumentException(
          "sequencing interval must be above 0 and at most 1m, got " + interval);
    }
    if (batchSize < 1 || batchSize > 1 << 20) {
      throw new IllegalArgumentException("batch size must be 1 to 1048576, got " + batchSize);
    }
    if (poolLimit < batchSize) {
      throw new IllegalArgumentException(
          "pool limit (" + poolLimit + ") must be at least the batch size (" + batchSize + ")");
    }
    if (poolBytes < Bundles.MAX_ENTRY_SIZE) {
      throw new IllegalArgumentException("pool bytes (" + poolBytes + ") must be at least the"
          + " largest entry (" + Bundles.MAX_ENTRY_SIZE + ")");
    }
    if (integrationSpacing.isNegative()
        || integrationSpacing.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new IllegalArgumentException(
          "integration spacing must be 0 to 1m, got " + integrationSpacing);
    }
  }

  /** These settings with the default integration spacing. */
  public SequencerConfig(Duration interval, int batchSize, int poolLimit, long poolBytes) {
    this(interval, batchSize, poolLimit, poolBytes, DEFAULT_INTEGRATION_SPACING);
  }

  /** These settings with the default bound on the bytes pooled and integration spacing. */
  public SequencerConfig(Duration interval, int batchSize, int poolLimit) {
    this(interval, batchSize, poolLimit, DEFAULT_POOL_BYTES, DEFAULT_INTEGRATION_SPACING);
  }
}
