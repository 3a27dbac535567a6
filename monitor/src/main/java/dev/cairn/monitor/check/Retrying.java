package dev.cairn.monitor.check;

import dev.cairn.monitor.Backoff;
import dev.cairn.read.LogReader;
import dev.cairn.read.MalformedObjectException;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A {@link LogReader} that tries each read again when it failed for a reason that may pass (an
 * error status other than 404, a timeout, a refused connection): up to {@code attempts} tries,
 * waiting a random time up to {@code min(maxDelay, baseDelay × 2^n)} before try n + 1 (full
 * jitter, so many monitors retrying one log do not retry in step). A missing (404) or misshapen
 * object is an answer, not a failure, and is not retried. Every try is told to the {@link
 * Listener}.
 */
public final class Retrying implements LogReader {
  /** Sees every read. */
  public interface Listener {
    /** Ignores everything. */
    Listener NONE = (what, nanos, ok) -> {};

    /**
     * One try of {@code what} ({@code checkpoint}, {@code tile}, {@code bundle}) took {@code
     * nanos} and succeeded or not (a 404 or misshapen object counts as a success of the read).
     */
    void read(String what, long nanos, boolean ok);
  }

  /** How reads are retried. */
  public record Policy(int attempts, Duration baseDelay, Duration maxDelay) {
    /** Three tries, 200 ms then up to 400 ms apart. */
    public static final Policy DEFAULT = new Policy(3, Duration.ofMillis(200),
        Duration.ofSeconds(5));

    /** Checks the bounds. */
    public Policy {
      if (attempts < 1 || baseDelay.isNegative() || maxDelay.compareTo(baseDelay) < 0) {
        throw new IllegalArgumentException("retries need at least one attempt and 0 <= base"
            + " delay <= max delay");
      }
    }

    /** The wait before try {@code n + 1} after {@code n} failed tries (n >= 1): full jitter. */
    public Duration backoff(int n) {
      return new Backoff(baseDelay, maxDelay).delay(n - 1, ThreadLocalRandom.current());
    }
  }

  /** One read that may be tried again. */
  @FunctionalInterface
  public interface Read<T> {
    /** Reads. */
    T get() throws IOException;
  }

  private final LogReader inner;
  private final Policy policy;
  private final Listener listener;

  /** Reads from {@code inner}, retrying as {@code policy} says. */
  public Retrying(LogReader inner, Policy policy, Listener listener) {
    this.inner = inner;
    this.policy = policy;
    this.listener = listener;
  }

  @Override
  public String describe() {
    return inner.describe();
  }

  @Override
  public byte[] checkpoint() throws IOException {
    return call(policy, "checkpoint", listener, inner::checkpoint);
  }

  @Override
  public byte[] readTile(HashTile tile) throws IOException {
    return call(policy, "tile", listener, () -> inner.readTile(tile));
  }

  @Override
  public byte[] readBundle(EntryBundle bundle) throws IOException {
    return call(policy, "bundle", listener, () -> inner.readBundle(bundle));
  }

  @Override
  public int parallelism() {
    return inner.parallelism();
  }

  @Override
  public void close() throws IOException {
    inner.close();
  }

  /**
   * Makes {@code read} ({@code what}, for the listener and messages) as {@code policy} says:
   * tried again after a failure that may pass, not after a missing or misshapen object or an
   * interruption.
   */
  public static <T> T call(Policy policy, String what, Listener listener, Read<T> read)
      throws IOException {
    for (int n = 1; ; n++) {
      long start = System.nanoTime();
      try {
        T data = read.get();
        listener.read(what, System.nanoTime() - start, true);
        return data;
      } catch (NoSuchFileException | MalformedObjectException answer) {
        listener.read(what, System.nanoTime() - start, true);
        throw answer;
      } catch (InterruptedIOException e) {
        listener.read(what, System.nanoTime() - start, false);
        throw e;
      } catch (IOException e) {
        listener.read(what, System.nanoTime() - start, false);
        if (n >= policy.attempts()) {
          throw e;
        }
      }
      try {
        Thread.sleep(policy.backoff(n));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting to retry " + what);
      }
    }
  }
}
