package dev.cairn.log.testing;

import dev.cairn.log.storage.ObjectStore;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An object store that fails the puts it is told to fail, and can hold puts until released (a
 * slow store), so tests can stop the sequencer in the middle of a batch.
 */
public final class FaultyObjectStore implements ObjectStore {
  private final ObjectStore inner;
  private final FaultPlan faults = new FaultPlan("object store put");
  private final AtomicInteger puts = new AtomicInteger();
  private final Semaphore held = new Semaphore(0);
  private volatile CountDownLatch gate;

  /** Wraps {@code inner}. */
  public FaultyObjectStore(ObjectStore inner) {
    this.inner = inner;
  }

  /** Fails the next put, as {@code fault} says. */
  public void failNextPut(Fault fault) {
    faults.arm(fault);
  }

  /** Fails the next put of a path starting with {@code pathPrefix}. */
  public void failNextPut(Fault fault, String pathPrefix) {
    faults.arm(fault, pathPrefix);
  }

  /** How many faults were injected so far. */
  /** Disarms every fault not yet injected. */
  public void clearFaults() {
    faults.clear();
  }

  public int injected() {
    return faults.injected();
  }

  /** Successful and failed puts so far. */
  public int puts() {
    return puts.get();
  }

  /** Makes every put from now on wait until {@link #release()}. */
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

  /** Waits until a put is held, failing after {@code timeout}. */
  public void awaitHeldPut(Duration timeout) throws InterruptedException {
    if (!held.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("no put reached the store within " + timeout);
    }
  }

  @Override
  public void put(String path, byte[] data) throws IOException {
    puts.incrementAndGet();
    CountDownLatch g = gate;
    if (g != null) {
      held.release();
      try {
        if (!g.await(30, TimeUnit.SECONDS)) {
          throw new IOException("put of " + path + " held for 30 s; the test forgot release()");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while held");
      }
    }
    faults.apply(path, () -> inner.put(path, data));
  }

  @Override
  public Optional<byte[]> get(String path) throws IOException {
    return inner.get(path);
  }
}
