package dev.cairn.monitor;

import dev.cairn.read.LogReader;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Readers that let a test act at a given point of an audit: the reads stay real HTTP. */
final class Hooks {
  private Hooks() {}

  /** Runs {@code hook} after each checkpoint is read, before the audit reads anything else. */
  static Monitor.Readers afterCheckpoint(Monitor.Readers inner, Runnable hook) {
    return (target, listener) -> {
      LogReader r = inner.open(target, listener);
      return new Delegating(r) {
        @Override
        public byte[] checkpoint() throws IOException {
          byte[] cp = r.checkpoint();
          hook.run();
          return cp;
        }
      };
    };
  }

  /**
   * Counts each reader opened in {@code opened}, then waits (at most 10 s) until {@code gate}
   * opens before it reads.
   */
  static Monitor.Readers gated(Monitor.Readers inner, AtomicInteger opened,
      CountDownLatch gate) {
    return (target, listener) -> {
      opened.incrementAndGet();
      try {
        if (!gate.await(10, TimeUnit.SECONDS)) {
          throw new IOException("the test's gate stayed shut");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException();
      }
      return inner.open(target, listener);
    };
  }

  private static class Delegating implements LogReader {
    private final LogReader inner;

    Delegating(LogReader inner) {
      this.inner = inner;
    }

    @Override
    public String describe() {
      return inner.describe();
    }

    @Override
    public byte[] checkpoint() throws IOException {
      return inner.checkpoint();
    }

    @Override
    public byte[] readTile(HashTile tile) throws IOException {
      return inner.readTile(tile);
    }

    @Override
    public byte[] readBundle(EntryBundle bundle) throws IOException {
      return inner.readBundle(bundle);
    }

    @Override
    public int parallelism() {
      return inner.parallelism();
    }

    @Override
    public void close() throws IOException {
      inner.close();
    }
  }
}
