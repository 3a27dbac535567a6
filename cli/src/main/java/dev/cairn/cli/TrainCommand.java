package dev.cairn.cli;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import dev.cairn.log.storage.embedded.AtomicFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code cairn aot-training}: a start of {@code serve} on a new log in a temporary directory, a
 * few writes and reads of each kind, and a stop. {@code ./cairn} runs it once per build, at the
 * first {@code serve}, under {@code -XX:AOTCacheOutput}, and the JDK keeps the classes it loaded
 * and linked, and the profiles of the methods it ran, for every later {@code serve}
 * (docs/design/start-up.md).
 */
@Command(name = "aot-training", hidden = true,
    description = "Start and stop a log in a temporary directory (the start-up cache's training).")
final class TrainCommand implements Callable<Integer> {
  private static final Duration DEADLINE = Duration.ofSeconds(60);
  private static final int ENTRIES = 64;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Option(names = "--dir", description = "Where the temporary log goes (the"
      + " system's temporary directory when not set); deleted afterwards.")
  Path parent;

  @Override
  public Integer call() throws Exception {
    Path dir = parent == null ? Files.createTempDirectory("cairn-aot-training")
        : Files.createTempDirectory(parent, "cairn-aot-training");
    int exit;
    try {
      exit = train(dir);
    } catch (Exception | Error e) {
      try {
        AtomicFiles.deleteRecursively(dir);
      } catch (IOException d) {
        e.addSuppressed(d); // the training's failure is the news, not the cleaning up
      }
      throw e;
    }
    AtomicFiles.deleteRecursively(dir);
    return exit;
  }

  private int train(Path dir) throws Exception {
    int port = freePort();
    ServeCommand serve = new ServeCommand();
    CommandLine cl = new CommandLine(serve);
    PrintWriter quiet = new PrintWriter(OutputStream.nullOutputStream());
    cl.setOut(quiet);
    cl.setErr(spec.commandLine().getErr());
    cl.setExecutionExceptionHandler(Main::failed); // "cairn: couldn't listen …", as serve says it
    // On a thread of its own: the log runs work on the common pool, which may have one thread.
    CompletableFuture<Integer> served = new CompletableFuture<>();
    Thread.ofPlatform().name("cairn-training-serve").start(() -> {
      try {
        served.complete(cl.execute(
            "--data", dir.resolve("data").toString(), "--listen", "127.0.0.1:" + port));
      } catch (Throwable t) {
        served.completeExceptionally(t);
      }
    });
    Instant deadline = Instant.now().plus(DEADLINE);
    boolean exercised = false;
    try {
      while (status(port, "GET", "/readyz", null) != 200) {
        if (served.isDone() || Instant.now().isAfter(deadline)) {
          throw new CliException(70, "the training log did not become ready");
        }
        Thread.sleep(10);
      }
      for (int i = 0; i < ENTRIES; i++) {
        expect(status(port, "POST", "/add", ("training entry " + i).getBytes(UTF_8)), "/add");
      }
      expect(status(port, "POST", "/add-batch", batch()), "/add-batch");
      while (!new String(request(port, "GET", "/checkpoint", null), UTF_8)
          .contains("\n" + 2 * ENTRIES + "\n")) {
        if (Instant.now().isAfter(deadline)) {
          throw new CliException(70, "the training log did not publish its entries");
        }
        Thread.sleep(10);
      }
      for (String read : List.of("/checkpoints", "/proof/inclusion?index=1",
          "/proof/consistency?first=1&second=" + ENTRIES, "/tile/0/000.p/" + ENTRIES,
          "/tile/entries/000.p/" + ENTRIES, "/metrics", "/healthz", "/policy")) {
        status(port, "GET", read, null);
      }
      exercised = true;
    } finally {
      serve.stop.countDown();
      // The log closes before its directory is deleted, also after a failure above.
      try {
        served.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        if (exercised) {
          throw new CliException(70, "the training log did not stop within " + DEADLINE);
        }
      } catch (ExecutionException e) {
        // Said below, or the failure above is the news.
      }
    }
    int exit = served.get();
    if (exit != 0) {
      throw new CliException(70, "the training log stopped with exit code " + exit);
    }
    return 0;
  }

  /** A body of /add-batch: {@link #ENTRIES} entries, each after its uint16 length. */
  private static byte[] batch() {
    var out = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < ENTRIES; i++) {
      byte[] e = ("training batch entry " + i).getBytes(UTF_8);
      out.write(e.length >> 8);
      out.write(e.length & 0xff);
      out.writeBytes(e);
    }
    return out.toByteArray();
  }

  private static void expect(int status, String route) {
    if (status != 200) {
      throw new CliException(70, "the training log answered " + route + " with " + status);
    }
  }

  /**
   * The status of an HTTP/1.1 request to the log, or -1 if it could not be made. A socket, not
   * {@code java.net.http}: the cache holds every class the training loaded, and loads them all
   * at every start, so the client's own classes would slow the starts it is made for.
   */
  private static int status(int port, String method, String path, byte[] body)
      throws InterruptedException {
    try {
      byte[] answer = request(port, method, path, body);
      String line = new String(answer, 0, Math.min(answer.length, 12), US_ASCII);
      return line.startsWith("HTTP/1.1 ") ? Integer.parseInt(line.substring(9, 12)) : -1;
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /** The whole answer, status line and headers included, to a request on a new connection. */
  private static byte[] request(int port, String method, String path, byte[] body)
      throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout((int) DEADLINE.toMillis());
      byte[] payload = body == null ? new byte[0] : body;
      OutputStream out = socket.getOutputStream();
      out.write((method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
          + "Content-Length: " + payload.length + "\r\n\r\n").getBytes(US_ASCII));
      out.write(payload);
      out.flush();
      return socket.getInputStream().readAllBytes();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
