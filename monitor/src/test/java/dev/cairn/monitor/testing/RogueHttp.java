package dev.cairn.monitor.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The rogue log's HTTP side: serves a map of objects by path on loopback, counts requests per
 * path, and fails on demand. Every request is counted when it arrives, whether it is then
 * answered, failed or dropped, so a test sees exactly how often a client knocked.
 */
final class RogueHttp implements AutoCloseable {
  /** {@link #down} value: answer normally. */
  static final int UP = 0;
  /** {@link #down} value: close the connection without an answer. */
  static final int DROP = -1;

  /** The next {@code remaining} requests fail with {@code status} ({@link #DROP} to drop). */
  private record Failing(int remaining, int status) {}

  private final HttpServer server;
  private final ExecutorService executor;
  private final ConcurrentHashMap<String, AtomicLong> counts = new ConcurrentHashMap<>();
  private final AtomicReference<Failing> failNext = new AtomicReference<>(new Failing(0, UP));
  private volatile Map<String, byte[]> objects = Map.of();
  private volatile int down = UP;

  RogueHttp(int port) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    executor = Executors.newVirtualThreadPerTaskExecutor();
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** Serves {@code objects} (paths without a leading slash) from now on. */
  void serve(Map<String, byte[]> objects) {
    this.objects = Map.copyOf(objects);
  }

  /** Fails every request with {@code status} (or {@link #DROP}), or answers again with UP. */
  void down(int status) {
    this.down = status;
  }

  /** Fails the next {@code n} requests with {@code status} (or {@link #DROP}). */
  void failNext(int n, int status) {
    failNext.set(new Failing(n, status));
  }

  long requests(String path) {
    AtomicLong n = counts.get(path);
    return n == null ? 0 : n.get();
  }

  Map<String, Long> requests() {
    Map<String, Long> out = new TreeMap<>();
    counts.forEach((path, n) -> out.put(path, n.get()));
    return out;
  }

  void resetRequests() {
    counts.clear();
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath().substring(1);
    counts.computeIfAbsent(path, p -> new AtomicLong()).incrementAndGet();
    int fault = fault();
    if (fault == DROP) {
      // The JDK server closes the connection when a handler throws before sending headers:
      // the client sees it end with no status line.
      throw new DroppedConnection();
    }
    try (ex) {
      if (fault != UP) {
        answer(ex, fault, ("rogue log: failing with " + fault + " on purpose\n")
            .getBytes(StandardCharsets.UTF_8));
      } else if (!ex.getRequestMethod().equals("GET")) {
        answer(ex, 405, "rogue log: GET only\n".getBytes(StandardCharsets.UTF_8));
      } else {
        byte[] body = objects.get(path);
        if (body == null) {
          answer(ex, 404, ("rogue log: no " + path + "\n").getBytes(StandardCharsets.UTF_8));
        } else {
          ex.getResponseHeaders().set("Content-Type", path.endsWith("checkpoint")
              ? "text/plain; charset=utf-8" : "application/octet-stream");
          answer(ex, 200, body);
        }
      }
    }
  }

  /** The failure this request gets: a one-off one first, else the standing one. */
  private int fault() {
    Failing f = failNext.getAndUpdate(
        c -> c.remaining() > 0 ? new Failing(c.remaining() - 1, c.status()) : c);
    return f.remaining() > 0 ? f.status() : down;
  }

  private static void answer(HttpExchange ex, int status, byte[] body) throws IOException {
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  /** Thrown to make the server close the connection; the server logs it at TRACE only. */
  private static final class DroppedConnection extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DroppedConnection() {
      super("rogue log: dropping the connection on purpose", null, false, false);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.close();
  }
}
