package dev.cairn.log.testing;

import java.io.IOException;

/**
 * A process crash at a chosen storage write, for stores in memory that outlive the "process":
 * the stores count their writes from {@link #arm}, the chosen one either happens or not (the
 * crash came before or after it reached the disk), and from then on every write fails, as
 * nothing runs after a crash, until {@link #revive} starts the next process. Thread-safe.
 */
public final class Crash {
  /** The write that crashed, and every write after it. */
  public static final class CrashedException extends IOException {
    private static final long serialVersionUID = 1L;

    CrashedException(String what) {
      super("crashed at " + what);
    }
  }

  private int count;
  private int at = -1;
  private boolean afterWrite;
  private boolean dead;
  private String where;

  /**
   * Crashes at the {@code n}th write from now (1 is the next one), after the write landed if
   * {@code afterWrite}, before it otherwise.
   */
  public synchronized void arm(int n, boolean afterWrite) {
    this.count = 0;
    this.at = n;
    this.afterWrite = afterWrite;
    this.dead = false;
    this.where = null;
  }

  /** Whether the armed crash happened. */
  public synchronized boolean happened() {
    return dead;
  }

  /** The write the crash came at. */
  public synchronized String where() {
    return where;
  }

  /** Writes since {@link #arm}. */
  public synchronized int writes() {
    return count;
  }

  /** A new process: writes work again and nothing is armed. */
  public synchronized void revive() {
    dead = false;
    at = -1;
  }

  /** Runs the write {@code what}, or crashes. */
  void step(String what, FaultPlan.Write write) throws IOException {
    boolean crashNow;
    synchronized (this) {
      if (dead) {
        throw new CrashedException(what + " (after the crash)");
      }
      crashNow = ++count == at;
      if (crashNow) {
        dead = true;
        where = (afterWrite ? "after " : "before ") + what;
      }
    }
    if (crashNow) {
      if (afterWrite) {
        write.run();
      }
      throw new CrashedException(what);
    }
    write.run();
  }
}
