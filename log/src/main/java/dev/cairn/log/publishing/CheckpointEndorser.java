package dev.cairn.log.publishing;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.log.LogMetrics;
import dev.cairn.log.tracing.Tracing;
import dev.cairn.policy.Policy;
import dev.cairn.read.LogReader;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The step between signing a checkpoint and publishing it: an endorser may add signatures (a
 * witness quorum's cosignatures) or refuse the checkpoint, and the log publishes only what it
 * returns. It is called outside every lock of the sequencer, the integrator and the publisher,
 * and must not block its caller: it answers with a future, which the publisher abandons at the
 * deadline.
 *
 * <p>The endorsed note MUST carry the same checkpoint and every signature of the signed note;
 * it MAY add signatures. A refusal (the future fails) publishes nothing; the next tick tries
 * again with a newer checkpoint.
 */
@FunctionalInterface
public interface CheckpointEndorser {
  /** Adds nothing: the log's own signatures are the checkpoint's. */
  CheckpointEndorser NONE = e -> CompletableFuture.completedFuture(e.signedNote());

  /**
   * What to endorse.
   *
   * @param checkpoint the checkpoint
   * @param signedNote the note carrying the log's signatures
   * @param previous the latest published checkpoint, which this one extends, if any
   * @param tree the log's tiles, covering at least this checkpoint: consistency proofs from
   *     any earlier published size (for witnesses that are behind) come from it
   * @param deadline when the publisher stops waiting, on the log's clock
   */
  record Endorsement(Checkpoint checkpoint, byte[] signedNote, Optional<Checkpoint> previous,
      LogReader tree, Instant deadline) {
    /** Copies the note. */
    public Endorsement {
      signedNote = signedNote.clone();
    }

    @Override
    public byte[] signedNote() {
      return signedNote.clone();
    }
  }

  /** Completes with the note to publish, or fails to refuse the checkpoint. */
  CompletableFuture<byte[]> endorse(Endorsement endorsement);

  /**
   * What readiness says of the endorser.
   *
   * @param ready false while the endorser refuses checkpoints (a witness quorum is missing)
   * @param detail what an operator should know, ready or not (missing witnesses, an unsafe
   *     mode), if anything
   */
  record Readiness(boolean ready, Optional<String> detail) {
    /** Ready, nothing to say. */
    public static final Readiness READY = new Readiness(true, Optional.empty());
  }

  /** Whether the endorser lets checkpoints through now; ready unless it says otherwise. */
  default Readiness readiness() {
    return Readiness.READY;
  }

  /**
   * Whether the endorser reports its own refusals (in {@link #readiness()}, its metrics and
   * its log lines); if not, the publisher records a refusal as a fault of publication.
   */
  default boolean reportsRefusals() {
    return false;
  }

  /**
   * The longest an endorsement may take when the endorser works as it should (a witness
   * round): part of the freshness a log promises. Zero unless the endorser says otherwise.
   */
  default java.time.Duration roundTime() {
    return java.time.Duration.ZERO;
  }

  /** The witness policy this endorser collects cosignatures for, if any. */
  default Optional<Policy> policy() {
    return Optional.empty();
  }

  /** Registers the endorser's own metrics with a log's; called once per opened log. */
  default void watch(LogMetrics metrics) {}

  /**
   * Sends the endorser's spans to {@code tracing}: {@link #endorse} is called with the
   * publication's {@code witness} span current, the parent of any span it makes.
   */
  default void trace(Tracing tracing) {}
}
