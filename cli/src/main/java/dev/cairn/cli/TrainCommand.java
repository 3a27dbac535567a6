package dev.cairn.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code cairn aot-training}: a start of {@code serve} on a new log in a temporary directory, a
 * few writes and reads of each kind, and a stop. {@code ./cairn} runs it once after it builds,
 * under {@code -XX:AOTCacheOutput}, and the JDK keeps the classes it loaded and linked, and the
 * profiles of the methods it ran, for every later {@code serve} (docs/design/start-up.md).
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
    try {
      return train(dir);
    } finally {
      delete(dir);
    }
  }

  private int train(Path dir) throws Exception {
    int port = freePort();
    ServeCommand serve = new ServeCommand();
    CommandLine cl = new CommandLine(serve);
    PrintWriter quiet = new PrintWriter(OutputStream.nullOutputStream());
    cl.setOut(quiet);
    cl.setErr(spec.commandLine().getErr());
    // On a thread of its own: the log runs work on the common pool, which may have one thread.
    CompletableFuture<Integer> served = new CompletableFuture<>();
    Thread.ofPlatform().name("cairn-training-serve").start(() -> served.complete(cl.execute(
        "--data", dir.resolve("data").toString(), "--listen", "127.0.0.1:" + port)));
    String base = "http://127.0.0.1:" + port;
    try (HttpClient client = HttpClient.newHttpClient()) {
      Instant deadline = Instant.now().plus(DEADLINE);
      while (status(client, get(base + "/readyz")) != 200) {
        if (served.isDone() || Instant.now().isAfter(deadline)) {
          throw new CliException(70, "the training log did not become ready");
        }
        Thread.sleep(10);
      }
      List<CompletableFuture<HttpResponse<Void>>> adds = new ArrayList<>();
      for (int i = 0; i < ENTRIES; i++) {
        adds.add(client.sendAsync(post(base + "/add", ("training entry " + i).getBytes(
            StandardCharsets.UTF_8)), HttpResponse.BodyHandlers.discarding()));
      }
      for (CompletableFuture<HttpResponse<Void>> add : adds) {
        expect(add.join().statusCode(), "/add");
      }
      expect(status(client, post(base + "/add-batch", batch())), "/add-batch");
      while (!client.send(get(base + "/checkpoint"), HttpResponse.BodyHandlers.ofString()).body()
          .lines().skip(1).findFirst().equals(java.util.Optional.of("" + 2 * ENTRIES))) {
        if (Instant.now().isAfter(deadline)) {
          throw new CliException(70, "the training log did not publish its entries");
        }
        Thread.sleep(10);
      }
      for (String read : List.of("/checkpoint", "/checkpoints", "/proof/inclusion?index=1",
          "/proof/consistency?first=1&second=" + ENTRIES, "/tile/0/000.p/" + ENTRIES,
          "/tile/entries/000.p/" + ENTRIES, "/metrics", "/healthz", "/policy")) {
        status(client, get(base + read));
      }
    } finally {
      serve.stop.countDown();
    }
    return served.get();
  }

  /** A body of /add-batch: {@link #ENTRIES} entries, each after its uint16 length. */
  private static byte[] batch() {
    var out = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < ENTRIES; i++) {
      byte[] e = ("training batch entry " + i).getBytes(StandardCharsets.UTF_8);
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

  private static int status(HttpClient client, HttpRequest request) throws InterruptedException {
    try {
      return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    }
  }

  private static HttpRequest get(String uri) {
    return HttpRequest.newBuilder(URI.create(uri)).timeout(DEADLINE).build();
  }

  private static HttpRequest post(String uri, byte[] body) {
    return HttpRequest.newBuilder(URI.create(uri)).timeout(DEADLINE)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }
}
