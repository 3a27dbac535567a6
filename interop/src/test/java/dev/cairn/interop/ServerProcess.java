package dev.cairn.interop;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code cairn serve} (or {@code cairn witness serve}) in a JVM of its own, started from the
 * test class path with {@code dev.cairn.cli.Main}, so that it can be killed with SIGKILL like a
 * crashed server. Its standard output and error go to one file, for failure messages.
 */
final class ServerProcess implements AutoCloseable {
  /** How long a start may take before the test gives up; JVM start-up on a busy machine. */
  static final Duration READY_DEADLINE = Duration.ofSeconds(60);
  private static final int EXCERPT_LINES = 120;

  private final Process process;
  private final URI base;
  private final Path output;
  private final java.util.Optional<javax.net.ssl.SSLContext> tls;

  private ServerProcess(Process process, URI base, Path output,
      java.util.Optional<javax.net.ssl.SSLContext> tls) {
    this.process = process;
    this.base = base;
    this.output = output;
    this.tls = tls;
  }

  /**
   * Starts {@code cairn serve --data dataDir} on a free loopback port with {@code options}, and
   * returns once {@code /healthz} answers 200.
   *
   * @throws org.opentest4j.AssertionFailedError if the server exits or is not healthy by {@link
   *     #READY_DEADLINE}, with its output
   */
  static ServerProcess start(Path dataDir, Path output, List<String> options) throws IOException,
      InterruptedException {
    return start(dataDir, output, options, java.util.Optional.empty());
  }

  /**
   * Starts it as {@link #start(Path, Path, List)} does; with {@code tls} (a client context
   * trusting the certificate that {@code options} give with {@code --tls-cert}) over https.
   */
  static ServerProcess start(Path dataDir, Path output, List<String> options,
      java.util.Optional<javax.net.ssl.SSLContext> tls) throws IOException,
      InterruptedException {
    return start(SERVE, dataDir, output, options, tls);
  }

  /**
   * Starts {@code cairn witness serve --data dataDir} on a free loopback port with {@code
   * options}, and returns once {@code /healthz} answers 200.
   */
  static ServerProcess startWitness(Path dataDir, Path output, List<String> options)
      throws IOException, InterruptedException {
    return start(WITNESS_SERVE, dataDir, output, options, java.util.Optional.empty());
  }

  private static final List<String> SERVE = List.of("serve");
  private static final List<String> WITNESS_SERVE = List.of("witness", "serve");

  /**
   * Starts {@code cairn serve} as {@link #start(Path, Path, List)} does, with {@code env} added
   * to its environment (a cluster node's object-store credentials).
   */
  static ServerProcess start(Path dataDir, Path output, List<String> options,
      java.util.Map<String, String> env) throws IOException, InterruptedException {
    return start(SERVE, dataDir, output, options, java.util.Optional.empty(), env);
  }

  private static ServerProcess start(List<String> subcommand, Path dataDir, Path output,
      List<String> options, java.util.Optional<javax.net.ssl.SSLContext> tls)
      throws IOException, InterruptedException {
    return start(subcommand, dataDir, output, options, tls, java.util.Map.of());
  }

  private static ServerProcess start(List<String> subcommand, Path dataDir, Path output,
      List<String> options, java.util.Optional<javax.net.ssl.SSLContext> tls,
      java.util.Map<String, String> env) throws IOException, InterruptedException {
    // The free port may be taken before the server binds it; only then is a retry warranted.
    for (int attempt = 1; ; attempt++) {
      ServerProcess server = launch(subcommand, dataDir, output, options, tls, env);
      try {
        server.awaitHealthy();
        return server;
      } catch (PortTaken e) {
        if (attempt == 3) {
          fail("cairn serve could not listen on a free port three times:\n" + server.excerpt());
        }
      }
    }
  }

  /**
   * Launches {@code cairn serve --data dataDir} on a free loopback port with {@code options}
   * and returns at once, while it starts up.
   */
  static ServerProcess launch(Path dataDir, Path output, List<String> options)
      throws IOException {
    return launch(SERVE, dataDir, output, options, java.util.Optional.empty(),
        java.util.Map.of());
  }

  private static ServerProcess launch(List<String> subcommand, Path dataDir, Path output,
      List<String> options, java.util.Optional<javax.net.ssl.SSLContext> tls,
      java.util.Map<String, String> env) throws IOException {
    int port = freePort();
    List<String> command = command(subcommand.toArray(String[]::new));
    command.addAll(List.of("--data", dataDir.toString(), "--listen", "127.0.0.1:" + port));
    command.addAll(options);
    Files.createDirectories(output.getParent());
    ProcessBuilder pb = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(output.toFile());
    // Settings come from the flags alone, not from whatever CAIRN_* the test runs under.
    pb.environment().keySet().removeIf(k -> k.startsWith("CAIRN_"));
    pb.environment().putAll(env);
    return new ServerProcess(pb.start(), URI.create((tls.isPresent() ? "https" : "http")
        + "://127.0.0.1:" + port + "/"), output, tls);
  }

  /**
   * Waits for a server that should refuse to start to exit, and returns its status.
   *
   * @throws org.opentest4j.AssertionFailedError if it still runs after {@link #READY_DEADLINE}
   */
  int awaitExit() throws InterruptedException {
    if (!process.waitFor(READY_DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
      close();
      fail("cairn serve still ran after " + READY_DEADLINE + ":\n" + excerpt());
    }
    return process.exitValue();
  }

  /**
   * Waits up to {@code bound} for the server to exit and returns its status, or empty if it
   * still runs then.
   */
  java.util.OptionalInt exitWithin(Duration bound) throws InterruptedException {
    return process.waitFor(bound.toNanos(), TimeUnit.NANOSECONDS)
        ? java.util.OptionalInt.of(process.exitValue()) : java.util.OptionalInt.empty();
  }

  /** Whether the server has printed a line containing {@code text} so far. */
  boolean printed(String text) throws IOException {
    return Files.exists(output)
        && Files.readString(output, StandardCharsets.UTF_8).contains(text);
  }

  /** A client of this server (over https with the context it was started with). */
  LogClient client(java.util.Optional<String> authorization) {
    return new LogClient(base, tls, authorization);
  }

  /** The server's base URL, ending in a slash. */
  URI base() {
    return base;
  }

  /**
   * Kills the server with SIGKILL, as a crash would, and waits for it to be gone.
   *
   * @throws org.opentest4j.AssertionFailedError if it had already exited on its own
   */
  /** Sends {@code signal} (e.g. STOP, CONT) to the process. */
  void signal(String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
        .inheritIO().start();
    if (kill.waitFor() != 0) {
      fail("kill -" + signal + " " + process.pid() + " failed");
    }
  }

  void kill() throws InterruptedException {
    if (!process.isAlive()) {
      fail("cairn serve exited on its own with status " + process.exitValue()
          + " before it was killed:\n" + excerpt());
    }
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      fail("cairn serve (pid " + process.pid() + ") survived SIGKILL for 30 s");
    }
  }

  /** The last lines of the server's output, headed by the file name. */
  String excerpt() {
    return excerpt(output);
  }

  /** The last lines of a server output file, headed by its name. */
  static String excerpt(Path file) {
    try {
      if (!Files.exists(file)) {
        return "--- " + file + ": missing\n";
      }
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      List<String> tail = lines.subList(Math.max(0, lines.size() - EXCERPT_LINES), lines.size());
      return "--- " + file + (tail.size() < lines.size() ? " (last " + tail.size() + " of "
          + lines.size() + " lines)" : "") + ":\n" + String.join("\n", tail) + "\n---\n";
    } catch (IOException e) {
      throw new UncheckedIOException("couldn't read " + file, e);
    }
  }

  /** Kills the server if it still runs. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private void awaitHealthy() throws InterruptedException {
    long deadline = System.nanoTime() + READY_DEADLINE.toNanos();
    try (LogClient client = client(java.util.Optional.empty())) {
      while (true) {
        try {
          if (client.healthy()) {
            return;
          }
        } catch (IOException e) {
          // Not listening yet.
        }
        // The pause between polls doubles as the check that the server is still running.
        if (process.waitFor(25, TimeUnit.MILLISECONDS)) {
          if (excerpt().contains("couldn't listen on")) {
            throw new PortTaken();
          }
          fail("cairn serve exited with status " + process.exitValue()
              + " before it was healthy:\n" + excerpt());
        }
        if (System.nanoTime() > deadline) {
          close();
          fail("cairn serve was not healthy within " + READY_DEADLINE + ":\n" + excerpt());
        }
      }
    }
  }

  private static final class PortTaken extends RuntimeException {
    private static final long serialVersionUID = 1L;
  }

  /** The command line running {@code cairn <args>} in a JVM of its own; a mutable list. */
  static List<String> command(String... args) {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED",
        // A small, quickly started JVM: the test restarts it many times on two cores.
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m",
        "-Djava.library.path=" + nativePath(),
        "-cp", classPath(),
        "dev.cairn.cli.Main"));
    command.addAll(List.of(args));
    return command;
  }

  /** RocksDB's and the PKCS#11 wrapper's JNI libraries, where ./cairn finds them too. */
  private static String nativePath() {
    String dir = System.getProperty("cairn.interop.nativeDirectory", "");
    String arch = System.getProperty("os.arch").equals("amd64") ? "x86_64"
        : System.getProperty("os.arch");
    return dir + java.io.File.pathSeparator + dir + "/pkcs11/natives/unix/linux-" + arch
        + "/release";
  }

  static int freePort() throws IOException {
    while (true) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (HANDED_OUT.add(s.getLocalPort())) {
          return s.getLocalPort();
        }
      }
    }
  }

  /**
   * Every port {@link #freePort} gave in this JVM. The kernel may give a port it just gave again
   * once its socket is closed: two servers started at once (a test's witnesses) would then get
   * one port, the second fail to bind it and exit, and its {@code /healthz} poll be answered by
   * the first — a dead server that looks healthy, and two policy witnesses behind one URL.
   */
  private static final java.util.Set<Integer> HANDED_OUT =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * The class path of the tests, which holds the CLI and its dependencies. Surefire may run the
   * tests from a manifest-only jar; the real class path is then in {@code
   * surefire.test.class.path}.
   */
  private static String classPath() {
    String surefire = System.getProperty("surefire.test.class.path");
    return surefire != null && !surefire.isBlank() ? surefire
        : System.getProperty("java.class.path");
  }
}
