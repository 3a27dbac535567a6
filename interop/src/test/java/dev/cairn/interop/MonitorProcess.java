package dev.cairn.interop;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * {@code cairn monitor <args>} in a JVM of its own ({@link ServerProcess#command}), so that it can
 * be killed with SIGKILL mid-run or stopped with SIGTERM. Its environment is this one's without
 * any {@code CAIRN_*} variable, plus {@code env} (the secrets a configuration names with {@code
 * *_env}). Standard output and error go to one file, quoted in failure messages.
 */
final class MonitorProcess implements AutoCloseable {
  /** The most a run, a start or a stop may take before the test gives up. */
  static final Duration DEADLINE = Duration.ofSeconds(60);

  private final Process process;
  private final Path output;

  private MonitorProcess(Process process, Path output) {
    this.process = process;
    this.output = output;
  }

  /** Starts {@code cairn monitor <args>} and returns at once. */
  static MonitorProcess start(Path output, Map<String, String> env, List<String> args)
      throws IOException {
    List<String> command = ServerProcess.command("monitor");
    command.addAll(args);
    Files.createDirectories(output.getParent());
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(output.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("CAIRN_"));
    pb.environment().putAll(env);
    return new MonitorProcess(pb.start(), output);
  }

  /** Runs {@code cairn monitor <args>} to its end and returns the exit status. */
  static int run(Path output, Map<String, String> env, List<String> args) throws IOException,
      InterruptedException {
    try (MonitorProcess p = start(output, env, args)) {
      return p.awaitExit();
    }
  }

  /**
   * Waits for the process to exit by itself.
   *
   * @throws org.opentest4j.AssertionFailedError if it still runs after {@link #DEADLINE}
   */
  int awaitExit() throws InterruptedException {
    if (!process.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      fail("cairn monitor still ran after " + DEADLINE + ":\n" + output());
    }
    return process.exitValue();
  }

  /**
   * Polls {@code condition} every 10 ms until it holds.
   *
   * @throws org.opentest4j.AssertionFailedError if the process exits first, or after {@link
   *     #DEADLINE}
   */
  void awaitWhileRunning(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      // The pause between polls doubles as the check that the process still runs.
      if (process.waitFor(10, TimeUnit.MILLISECONDS)) {
        fail("cairn monitor exited with status " + process.exitValue() + " before " + what
            + ":\n" + output());
      }
      if (System.nanoTime() - deadline > 0) {
        fail("timed out after " + DEADLINE + " waiting for " + what + ":\n" + output());
      }
    }
  }

  /** Kills the process with SIGKILL, as a crash would, and waits for it to be gone. */
  void kill() throws InterruptedException {
    if (!process.isAlive()) {
      fail("cairn monitor exited on its own with status " + process.exitValue()
          + " before it was killed:\n" + output());
    }
    process.destroyForcibly();
    if (!process.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
      fail("cairn monitor (pid " + process.pid() + ") survived SIGKILL");
    }
  }

  /** Sends SIGTERM and returns the exit status. */
  int terminate() throws InterruptedException {
    process.destroy();
    return awaitExit();
  }

  /** Everything the process wrote so far. */
  String output() {
    try {
      return Files.exists(output) ? Files.readString(output, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "(couldn't read " + output + ": " + e.getMessage() + ")";
    }
  }

  /** Kills the process if it still runs. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }
  }
}
