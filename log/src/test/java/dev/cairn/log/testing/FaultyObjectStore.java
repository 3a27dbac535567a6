package dev.cairn.log.testing;

import dev.cairn.log.storage.ObjectStore;
import dev.cairn.tile.TilePath;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An object store that fails the writes it is told to fail, and can hold writes until released
 * (a slow store), so tests can stop the sequencer in the middle of a batch.
 */
public final class FaultyObjectStore implements ObjectStore {
  private final ObjectStore inner;
  private final FaultPlan faults = new FaultPlan("object store write");
  private final FaultPlan checkpointFaults = new FaultPlan("checkpoint object write");
  private final AtomicInteger puts = new AtomicInteger();
  private final Semaphore held = new Semaphore(0);
  private volatile CountDownLatch gate;

  /** Wraps {@code inner}. */
  public FaultyObjectStore(ObjectStore inner) {
    this.inner = inner;
  }

  /** Fails the next object written, as {@code fault} says. */
  public void failNextWrite(Fault fault) {
    faults.arm(fault);
  }

  /** Fails the next write of a path starting with {@code pathPrefix}. */
  public void failNextWrite(Fault fault, String pathPrefix) {
    faults.arm(fault, pathPrefix);
  }

  /** Fails the next write of the checkpoint object, as {@code fault} says. */
  public void failNextCheckpoint(Fault fault) {
    checkpointFaults.arm(fault);
  }

  /** Disarms every fault not yet injected. */
  public void clearFaults() {
    faults.clear();
    checkpointFaults.clear();
  }

  /** How many faults were injected so far. */
  public int injected() {
    return faults.injected();
  }

  /** Successful and failed object writes so far. */
  public int writes() {
    return puts.get();
  }

  /** Makes every write from now on wait until {@link #release()}. */
  public void hold() {
    gate = new CountDownLatch(1);
  }

  /** Lets held and future puts through. */
  public void release() {
    CountDownLatch g = gate;
    gate = null;
    if (g != null) {
      g.countDown();
    }
  }

  /** Waits until a write is held, failing after {@code timeout}. */
  public void awaitHeldPut(Duration timeout) throws InterruptedException {
    if (!held.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("no write reached the store within " + timeout);
    }
  }

  @Override
  public void create(String path, byte[] data) throws IOException {
    puts.incrementAndGet();
    CountDownLatch g = gate;
    if (g != null) {
      held.release();
      try {
        if (!g.await(30, TimeUnit.SECONDS)) {
          throw new IOException("write of " + path + " held for 30 s; the test forgot"
              + " release()");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while held");
      }
    }
    faults.apply(path, () -> inner.create(path, data));
  }

  @Override
  public void deletePartials(TilePath full, java.util.function.IntPredicate widths)
      throws IOException {
    faults.step(full.path() + ".p/", () -> inner.deletePartials(full, widths));
  }

  @Override
  public void publishCheckpoint(byte[] note) throws IOException {
    checkpointFaults.apply(CHECKPOINT, () -> inner.publishCheckpoint(note));
  }

  @Override
  public Optional<byte[]> get(String path) throws IOException {
    return inner.get(path);
  }

  /** Makes this store's writes part of {@code crash}. */
  public void crashWith(Crash crash) {
    faults.crashWith(crash);
    checkpointFaults.crashWith(crash);
  }
}
