package dev.cairn.monitor.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** A runaway regular expression on a hostile entry ends when the audit's thread is interrupted. */
class WatcherInterruptTest {
  @Test
  void aBacktrackingPatternStopsWhenItsThreadIsInterrupted() throws Exception {
    // Twelve nested .* against 40 a's and a b: ~40^12 backtracking steps, which the JDK's
    // memoization of simpler loops does not save: effectively endless.
    Pattern runaway = Pattern.compile("(.*a){12}$");
    String hostile = "a".repeat(40) + "b";
    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    CompletableFuture<Void> started = new CompletableFuture<>();
    Thread t = Thread.ofPlatform().start(() -> {
      started.complete(null);
      try {
        runaway.matcher(new Watcher.Interruptible(hostile)).find();
        ended.complete(null);
      } catch (Throwable e) {
        ended.complete(e);
      }
    });
    started.get(10, TimeUnit.SECONDS);
    t.interrupt();
    Throwable e = ended.get(30, TimeUnit.SECONDS);
    assertThat(e).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("interrupted");
  }

  @Test
  void itReadsAsTheTextItWraps() {
    Watcher.Interruptible text = new Watcher.Interruptible("key=0123abcd rest");
    assertThat(Pattern.compile("key=[0-9a-f]{8}").matcher(text).find()).isTrue();
    assertThat(text.subSequence(4, 12).toString()).isEqualTo("0123abcd");
    assertThat(text.length()).isEqualTo(17);
    assertThatThrownBy(() -> text.charAt(99)).isInstanceOf(IndexOutOfBoundsException.class);
  }
}
