package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cairn aot-training}, the run {@code ./cairn} records the start-up cache from: it must
 * serve a real log through its writes and reads, say when it could not, and leave nothing behind.
 */
class TrainCommandTest {
  @TempDir Path dir;

  @Test
  void servesALogThroughWritesAndReadsThenDeletesIt() throws Exception {
    StringWriter err = new StringWriter();
    int exit = Main.run(new String[] {"aot-training", "--dir", dir.toString()},
        new PrintWriter(new StringWriter()), new PrintWriter(err));
    // The command fails unless every write was answered 200 and the checkpoint covered them.
    assertThat(exit).as(err.toString()).isZero();
    try (var left = Files.list(dir)) {
      assertThat(left).isEmpty();
    }
  }

  @Test
  void failsNamingTheDirectoryItCouldNotUse() throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
    StringWriter err = new StringWriter();
    int exit = Main.run(new String[] {"aot-training", "--dir", file.toString()},
        new PrintWriter(new StringWriter()), new PrintWriter(err));
    assertThat(exit).isNotZero();
    assertThat(err.toString()).contains("not-a-directory");
  }
}
