package dev.cairn.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cairn.monitor.alert.WebhookSignature;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A webhook (or Slack incoming-webhook) receiver on loopback, in the test's JVM: it records every
 * request in full, as received, before answering, so the raw deliveries can be counted, not only
 * the distinct ones. With an HMAC key it checks each request's signature with {@link
 * WebhookSignature#verify} (over the raw body) and answers 401 to a bad one; otherwise 200.
 * {@link #holdNext} makes the next request wait, recorded but unanswered, until {@link #release}.
 */
final class AlertReceiver implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * A request as received.
   *
   * @param alertId its {@code X-Cairn-Alert-Id}, if it had one
   * @param signed whether its signature verified (false without a key)
   * @param body its body
   * @param received when it arrived
   */
  record Delivery(Optional<String> alertId, boolean signed, byte[] body, Instant received) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + new String(body), e);
      }
    }
  }

  /** A hold on the next request: {@code arrived} when it is in, answered after {@code done}. */
  private record Hold(CountDownLatch arrived, CountDownLatch done) {}

  private final HttpServer server;
  private final String path;
  private final Optional<byte[]> secret;
  private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
  private final AtomicReference<Hold> hold = new AtomicReference<>();
  private volatile Hold active;

  /** A receiver at {@code path}; with {@code secret}, checking the webhook's signatures. */
  AlertReceiver(String path, Optional<byte[]> secret) throws IOException {
    this.path = path;
    this.secret = secret;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::handle);
    server.start();
  }

  /** Where to POST. */
  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  /** Every request received so far, in order of arrival. */
  List<Delivery> deliveries() {
    return List.copyOf(deliveries);
  }

  /** Forgets the requests received. */
  void clear() {
    deliveries.clear();
  }

  /** Makes the next request wait, unanswered, until {@link #release}. */
  void holdNext() {
    hold.set(new Hold(new CountDownLatch(1), new CountDownLatch(1)));
  }

  /** Whether the request {@link #holdNext} waits for has arrived (and is held). */
  boolean holding() {
    Hold h = active;
    return h != null && h.arrived().getCount() == 0;
  }

  /** Answers the held request (if the sender still listens) and holds nothing more. */
  void release() {
    Hold h = active;
    if (h != null) {
      h.done().countDown();
    }
    hold.set(null);
  }

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      byte[] body;
      Instant received = Instant.now();
      try (InputStream in = x.getRequestBody()) {
        body = in.readAllBytes();
      }
      Optional<String> id = Optional.ofNullable(
          x.getRequestHeaders().getFirst(WebhookSignature.ALERT_ID_HEADER));
      boolean signed = secret.isPresent() && WebhookSignature.verify(secret.get(),
          String.valueOf(x.getRequestHeaders().getFirst(WebhookSignature.TIMESTAMP_HEADER)),
          String.valueOf(x.getRequestHeaders().getFirst(WebhookSignature.SIGNATURE_HEADER)),
          body, Instant.now(), Duration.ofMinutes(5));
      int status = !x.getRequestMethod().equals("POST") || !x.getRequestURI().getPath()
          .equals(path) ? 404 : secret.isPresent() && !signed ? 401 : 200;
      deliveries.add(new Delivery(id, signed, body, received));
      Hold h = hold.getAndSet(null);
      if (h != null) {
        active = h;
        h.arrived().countDown();
        try {
          h.done().await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      x.sendResponseHeaders(status, -1);
    } catch (IOException e) {
      // The sender is gone (killed while its request was held): nothing to answer.
    }
  }

  @Override
  public void close() {
    release();
    server.stop(0);
  }
}
