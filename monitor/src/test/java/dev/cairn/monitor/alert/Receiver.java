package dev.cairn.monitor.alert;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * A webhook receiver on loopback: records every request (before answering), and answers with
 * the status its {@link Answer} gives, which may block. Each request is handled on its own
 * virtual thread, so one held request does not hold up others.
 */
final class Receiver implements AutoCloseable {
  /** A request as received. */
  record Request(Map<String, List<String>> headers, byte[] body) {
    String header(String name) {
      for (var e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name)) {
          return e.getValue().get(0);
        }
      }
      throw new AssertionError("no header " + name + " in " + headers.keySet());
    }
  }

  /** The status to answer the {@code n}th request (from 1) with; may block. */
  interface Answer {
    int status(int n, Request r) throws Exception;
  }

  private final HttpServer server;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition arrived = lock.newCondition();
  private volatile Answer answer;

  Receiver(Answer answer) throws IOException {
    this.answer = answer;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::handle);
    server.start();
  }

  static Receiver ok() throws IOException {
    return new Receiver((n, r) -> 200);
  }

  void answer(Answer a) {
    this.answer = a;
  }

  URI uri(String path) {
    return URI.create("http://" + server.getAddress().getHostString() + ":"
        + server.getAddress().getPort() + path);
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  /** Waits until {@code condition} holds, failing after 20 s (a deadline, not a timing). */
  void await(BooleanSupplier condition) throws InterruptedException {
    await(condition, Duration.ofSeconds(20));
  }

  /** Waits until {@code condition} holds, failing after {@code limit}. */
  void await(BooleanSupplier condition, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    lock.lock();
    try {
      while (!condition.getAsBoolean()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("condition not met within " + limit + "; requests: "
              + requests.size());
        }
        arrived.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
      }
    } finally {
      lock.unlock();
    }
  }

  /** Waits until at least {@code n} requests arrived. */
  void awaitRequests(int n) throws InterruptedException {
    await(() -> requests.size() >= n);
  }

  private void handle(HttpExchange exchange) throws IOException {
    Request r = new Request(Map.copyOf(exchange.getRequestHeaders()),
        exchange.getRequestBody().readAllBytes());
    int n;
    lock.lock();
    try {
      requests.add(r);
      n = requests.size();
      arrived.signalAll();
    } finally {
      lock.unlock();
    }
    int status;
    try {
      status = answer.status(n, r);
    } catch (Exception e) {
      status = 599;
    }
    byte[] body = (status / 100 == 2 ? "ok" : "nope: status " + status + "\nsecond line")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
