package dev.cairn.cli;

import dev.cairn.log.replay.Progress;
import java.io.Console;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Shows a long run's progress on standard error: on a terminal, one line redrawn in place with
 * a bar, the rate and the time left; otherwise a plain line every {@code period} and one when a
 * task ends, which logs and CI keep readable.
 */
final class ProgressBar implements Progress {
  private static final long REDRAW_NANOS = 200_000_000L;
  private static final int WIDTH = 30;

  private final PrintWriter err;
  private final boolean terminal;
  private final long periodNanos;
  private final LongSupplier clock;
  private String task;
  private String unit;
  private long total;
  private long done;
  private long started;
  private long lastShown;

  ProgressBar(PrintWriter err, boolean terminal, Duration period, LongSupplier nanoClock) {
    this.err = err;
    this.terminal = terminal;
    this.periodNanos = period.toNanos();
    this.clock = nanoClock;
  }

  /** A progress bar on {@code err}, drawn in place if the process has a terminal. */
  static ProgressBar forStderr(PrintWriter err) {
    return new ProgressBar(err, onTerminal(), Duration.ofSeconds(10), System::nanoTime);
  }

  /**
   * Whether standard error, where the bar is drawn, is a terminal: on Linux from what file
   * descriptor 2 is, elsewhere from the console (which looks at standard input and output).
   */
  private static boolean onTerminal() {
    try {
      String target = java.nio.file.Files.readSymbolicLink(
          java.nio.file.Path.of("/proc/self/fd/2")).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (java.io.IOException | UnsupportedOperationException e) {
      // not Linux: fall through
    }
    Console c = System.console();
    if (c == null) {
      return false;
    }
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(c);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }

  @Override
  public void start(String task, long total, String unit) {
    this.task = task;
    this.total = total;
    this.unit = unit;
    this.done = 0;
    this.started = clock.getAsLong();
    this.lastShown = started;
    if (!terminal) {
      err.println(task + ": " + (total > 0 ? String.format("%,d %s", total, unit) : "starting"));
      err.flush();
    }
  }

  @Override
  public void advance(long done) {
    this.done = done;
    long now = clock.getAsLong();
    if (now - lastShown >= (terminal ? REDRAW_NANOS : periodNanos)) {
      lastShown = now;
      if (terminal) {
        err.print("\r" + line(now) + "\u001b[K");
      } else {
        err.println(line(now));
      }
      err.flush();
    }
  }

  @Override
  public void finish() {
    long now = clock.getAsLong();
    double seconds = Math.max(now - started, 1) / 1e9;
    String summary = String.format("%s: done, %,d %s in %.1f s (%s %s/s)", task, done, unit,
        seconds, human(done / seconds), unit);
    err.print(terminal ? "\r" + summary + "\u001b[K\n" : summary + "\n");
    err.flush();
  }

  /** The progress line: task, bar, count, percentage, rate and time left. */
  String line(long now) {
    double seconds = Math.max(now - started, 1) / 1e9;
    double rate = done / seconds;
    StringBuilder b = new StringBuilder(task).append(": ");
    if (total > 0) {
      double f = Math.min(1.0, (double) done / total);
      int filled = (int) (f * WIDTH);
      if (terminal) {
        b.append('[').append("#".repeat(filled)).append(".".repeat(WIDTH - filled)).append("] ");
      }
      b.append(String.format("%,d/%,d %s (%.0f%%)", done, total, unit, f * 100));
    } else {
      b.append(String.format("%,d %s", done, unit));
    }
    b.append(", ").append(human(rate)).append(' ').append(unit).append("/s");
    if (total > 0 && rate > 0 && done < total) {
      long eta = (long) Math.ceil((total - done) / rate);
      b.append(String.format(", ETA %d:%02d", eta / 60, eta % 60));
    }
    return b.toString();
  }

  private static String human(double v) {
    if (v >= 1e9) {
      return String.format("%.2fG", v / 1e9);
    }
    if (v >= 1e6) {
      return String.format("%.2fM", v / 1e6);
    }
    if (v >= 1e4) {
      return String.format("%.1fk", v / 1e3);
    }
    return String.format("%.0f", v);
  }
}
