package dev.cairn.log.testing;

import dev.cairn.log.storage.SequencedBatch;
import dev.cairn.log.storage.embedded.SequenceLog;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A sequence log that fails the appends it is told to fail, and can hold appends until released
 * (a slow disk under the sequencer).
 */
public final class FaultySequenceLog implements SequenceLog {
  private final SequenceLog inner;
  private final FaultPlan faults = new FaultPlan("sequence log append");
  private final Semaphore held = new Semaphore(0);
  private volatile CountDownLatch gate;

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
    gate = new CountDownLatch(1);
  }

  /** Lets held and future appends through. */
  public void release() {
    CountDownLatch g = gate;
    gate = null;
    if (g != null) {
      g.countDown();
    }
  }

  /** Waits until an append is held, failing after {@code timeout}. */
  public void awaitHeldAppend(Duration timeout) throws InterruptedException {
    if (!held.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("no append reached the log within " + timeout);
    }
  }

  @Override
  public void append(SequencedBatch batch) throws IOException {
    CountDownLatch g = gate;
    if (g != null) {
      held.release();
      try {
        if (!g.await(30, TimeUnit.SECONDS)) {
          throw new IOException("append held for 30 s; the test forgot release()");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while held");
      }
    }
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
