package dev.cairn.monitor.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link RogueLog} running as a child JVM on this JVM's class path, driven by the {@link
 * RogueLogCli} protocol: for end-to-end tests that need the log in another process (to kill it,
 * or to run the monitor's own process against it). Its stderr goes to this process's stderr.
 */
public final class RogueLogProcess implements AutoCloseable {
  /** How long to wait for the child to start, or to answer one command. */
  public static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String EOF = "\0eof";

  private final Process process;
  private final Writer stdin;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final JsonNode ready;
  private volatile IOException readFailure;

  private RogueLogProcess(List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), RogueLog.class.getName()));
    cmd.addAll(args);
    process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    stdin = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread.ofVirtual().start(this::pump);
    try {
      ready = next("the ready line");
    } catch (IOException | RuntimeException e) {
      process.destroyForcibly();
      throw e;
    }
  }

  /** Starts {@code java ... RogueLog <args>} and waits for its ready line. */
  public static RogueLogProcess start(String... args) throws IOException {
    return new RogueLogProcess(List.of(args));
  }

  /** The ready line: url, origin, vkey, witnesses, size, root, replayed. */
  public JsonNode ready() {
    return ready;
  }

  /** Sends one command and returns its answer line. */
  public JsonNode command(String command) throws IOException {
    stdin.write(command + "\n");
    stdin.flush();
    return next("the answer to \"" + command + "\"");
  }

  /**
   * Sends {@code quit} and waits for the process to exit.
   *
   * @return its exit status
   */
  public int quit() throws IOException {
    command("quit");
    return waitFor();
  }

  /** The underlying process (to kill it). */
  public Process process() {
    return process;
  }

  private int waitFor() throws IOException {
    try {
      if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IOException("the rogue log did not exit within " + TIMEOUT);
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted waiting for the rogue log to exit");
    }
  }

  private JsonNode next(String what) throws IOException {
    String line;
    try {
      line = lines.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted waiting for " + what);
    }
    if (line == null) {
      throw new IOException("no " + what + " from the rogue log within " + TIMEOUT);
    }
    if (line.equals(EOF)) {
      throw new IOException("the rogue log's stdout ended before " + what
          + (readFailure == null ? "" : ": " + readFailure.getMessage()), readFailure);
    }
    return JSON.readTree(line);
  }

  private void pump() {
    try (BufferedReader r = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        lines.add(line);
      }
    } catch (IOException e) {
      readFailure = e;
    } finally {
      lines.add(EOF);
    }
  }

  /** Kills the process if it is still running. */
  @Override
  public void close() {
    process.destroyForcibly();
  }
}
