package dev.cairn.log.testing;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Holds the writes of a faulty store while closed (a slow disk), so a test can stop a writer in
 * the middle of its work and see what others do meanwhile.
 */
final class Gate {
  private final Semaphore held = new Semaphore(0);
  private volatile CountDownLatch closed;

  /** Makes every write from now on wait until {@link #open()}. */
  void close() {
    closed = new CountDownLatch(1);
  }

  /** Lets held and future writes through. */
  void open() {
    CountDownLatch c = closed;
    closed = null;
    if (c != null) {
      c.countDown();
    }
  }

  /** Waits until a write is held, failing after {@code timeout} with {@code nothing}. */
  void awaitHeld(Duration timeout, String nothing) throws InterruptedException {
    if (!held.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(nothing + " within " + timeout);
    }
  }

  /** Called by a write ({@code what}): returns at once when open, else once opened. */
  void pass(String what) throws IOException {
    CountDownLatch c = closed;
    if (c == null) {
      return;
    }
    held.release();
    try {
      if (!c.await(30, TimeUnit.SECONDS)) {
        throw new IOException(what + " held for 30 s; the test forgot release()");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while held");
    }
  }
}
