package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The progress display, on a clock the test moves. */
class ProgressBarTest {
  private final AtomicLong now = new AtomicLong();
  private final StringWriter out = new StringWriter();

  private ProgressBar bar(boolean terminal) {
    return new ProgressBar(new PrintWriter(out, true), terminal, Duration.ofSeconds(10),
        now::get);
  }

  @Test
  void withoutATerminalPrintsAPlainLineEachPeriodAndWhenDone() {
    ProgressBar p = bar(false);
    p.start("replaying", 1_000_000, "entries");
    now.addAndGet(Duration.ofSeconds(4).toNanos());
    p.advance(200_000);
    now.addAndGet(Duration.ofSeconds(6).toNanos());
    p.advance(500_000);
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    p.advance(550_000);
    now.addAndGet(Duration.ofSeconds(9).toNanos());
    p.advance(1_000_000);
    p.finish();
    assertThat(out.toString().lines().toList()).containsExactly(
        "replaying: 1,000,000 entries",
        "replaying: 500,000/1,000,000 entries (50%), 50.0k entries/s, ETA 0:10",
        "replaying: 1,000,000/1,000,000 entries (100%), 50.0k entries/s",
        "replaying: done, 1,000,000 entries in 20.0 s (50.0k entries/s)");
  }

  @Test
  void onATerminalRedrawsOneLineWithABar() {
    ProgressBar p = bar(true);
    p.start("copying", 400, "files");
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    p.advance(100);
    assertThat(out.toString()).isEqualTo(
        "\rcopying: [#######.......................] 100/400 files (25%), 100 files/s, ETA"
            + " 0:03\u001b[K");
    p.finish();
    assertThat(out.toString()).endsWith("\rcopying: done, 100 files in 1.0 s (100 files/s)"
        + "\u001b[K\n");
  }
}
