package dev.cairn.log.testing;

import dev.cairn.log.storage.SequencedBatch;
import dev.cairn.log.storage.embedded.SequenceLog;
import java.io.IOException;
import java.time.Duration;

/**
 * A sequence log that fails the appends it is told to fail, and can hold appends until released
 * (a slow disk under the sequencer).
 */
public final class FaultySequenceLog implements SequenceLog {
  private final SequenceLog inner;
  private final FaultPlan faults = new FaultPlan("sequence log append");
  private final Gate gate = new Gate();

  /** Wraps {@code inner}. */
  public FaultySequenceLog(SequenceLog inner) {
    this.inner = inner;
  }

  /** Fails the next append as {@code fault} says. */
  public void failNextAppend(Fault fault) {
    faults.arm(fault);
  }

  /** Makes every append from now on wait until {@link #release()}. */
  public void hold() {
    gate.close();
  }

  /** Lets held and future appends through. */
  public void release() {
    gate.open();
  }

  /** Waits until an append is held, failing after {@code timeout}. */
  public void awaitHeldAppend(Duration timeout) throws InterruptedException {
    gate.awaitHeld(timeout, "no append reached the log");
  }

  @Override
  public void append(SequencedBatch batch) throws IOException {
    gate.pass("append");
    faults.apply("", () -> inner.append(batch));
  }

  @Override
  public void replay(long size, Replay replay) throws IOException {
    inner.replay(size, replay);
  }

  @Override
  public void dropThrough(long size) throws IOException {
    faults.step("drop through " + size, () -> inner.dropThrough(size));
  }

  /** Makes this store's writes part of {@code crash}. */
  public void crashWith(Crash crash) {
    faults.crashWith(crash);
  }
}
