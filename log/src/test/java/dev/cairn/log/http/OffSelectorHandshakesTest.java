package dev.cairn.log.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.log.testing.Poll;
import dev.cairn.log.testing.TestCertificates;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSocket;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TLS connection's handshake runs on the executor given for it, so a handshake that has not
 * finished holds no request of a connection already open; once the handshake is done, the
 * connection's requests are handled where Jetty handles them. Real TLS on loopback, with a
 * handler that never blocks (as the log's routes), so Jetty handles requests on its selector.
 */
class OffSelectorHandshakesTest {
  private static final Duration DEADLINE = Duration.ofSeconds(20);
  private final TestCertificates ca = new TestCertificates();
  @TempDir Path dir;
  private final Gate gate = new Gate();
  /** For each path requested, whether it was handled on a virtual thread. */
  private final Map<String, Boolean> onVirtualThread = new ConcurrentHashMap<>();
  private Server server;
  private int port;

  /** Runs tasks on virtual threads, or holds them while closed. */
  private static final class Gate implements Executor {
    final ConcurrentLinkedQueue<Runnable> held = new ConcurrentLinkedQueue<>();
    final AtomicInteger ran = new AtomicInteger();
    private boolean closed;

    @Override
    public synchronized void execute(Runnable task) {
      if (closed) {
        held.add(task);
      } else {
        run(task);
      }
    }

    private void run(Runnable task) {
      ran.incrementAndGet();
      Thread.ofVirtual().start(task);
    }

    synchronized void close() {
      closed = true;
    }

    synchronized void open() {
      closed = false;
      for (Runnable task; (task = held.poll()) != null; ) {
        run(task);
      }
    }
  }

  @BeforeEach
  void start() throws Exception {
    HttpConfig.Tls files = new HttpConfig.Tls(dir.resolve("cert.pem"), dir.resolve("key.pem"),
        Duration.ofHours(1));
    ca.write(ca.issue(), files.certificate(), files.key());
    CertificateReloader certificate = new CertificateReloader(files, Clock.systemUTC());
    server = new Server();
    ServerConnector connector = new ServerConnector(server,
        new OffSelectorHandshakes(certificate.context(), HttpVersion.HTTP_1_1.asString(), gate),
        new HttpConnectionFactory());
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    server.setHandler(new Handler.Abstract.NonBlocking() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        onVirtualThread.put(request.getHttpURI().getPath(), Thread.currentThread().isVirtual());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
        Content.Sink.write(response, true, "ok " + request.getHttpURI().getPath(), callback);
        return true;
      }
    });
    server.start();
    port = connector.getLocalPort();
  }

  @AfterEach
  void stop() throws Exception {
    gate.open();
    server.stop();
  }

  @Test
  void aPendingHandshakeHoldsNoRequestOfAnOpenConnection() throws Exception {
    try (SSLSocket open = connect(); SSLSocket second = connect()) {
      // Answered once the server has the client's Finished: its handshake is over.
      assertThat(get(open, "/first")).isEqualTo("ok /first");
      assertThat(gate.ran.get()).as("the first connection's handshake ran on the executor")
          .isPositive();
      assertThat(get(open, "/next")).isEqualTo("ok /next");
      assertThat(onVirtualThread.get("/next"))
          .as("a request after the handshake is handled on Jetty's selector, not the executor")
          .isFalse();

      gate.close();
      CompletableFuture<String> answered = CompletableFuture.supplyAsync(() -> {
        try {
          second.startHandshake();
          return get(second, "/second");
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }, Thread.ofVirtual()::start);
      Poll.until("the second connection's handshake to reach the executor", DEADLINE,
          () -> !gate.held.isEmpty());

      // The selector is free: the open connection is answered while that handshake waits.
      assertThat(get(open, "/again")).isEqualTo("ok /again");
      assertThat(onVirtualThread.get("/again")).isFalse();
      assertThat(answered).isNotDone();

      gate.open();
      assertThat(answered.get(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isEqualTo("ok /second");
    }
  }

  @Test
  void manyConnectionsHandshakeAndAreAnswered() throws Exception {
    List<CompletableFuture<String>> answers = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      String path = "/c" + i;
      answers.add(CompletableFuture.supplyAsync(() -> {
        try (SSLSocket s = connect()) {
          return get(s, path) + " " + get(s, path + "b");
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }, Thread.ofVirtual()::start));
    }
    for (int i = 0; i < answers.size(); i++) {
      assertThat(answers.get(i).get(DEADLINE.toSeconds(), TimeUnit.SECONDS))
          .isEqualTo("ok /c" + i + " ok /c" + i + "b");
    }
  }

  private SSLSocket connect() throws IOException {
    SSLSocket s = (SSLSocket) ca.clientContext().getSocketFactory()
        .createSocket("127.0.0.1", port);
    s.setSoTimeout((int) DEADLINE.toMillis());
    return s;
  }

  /** One GET on a kept-alive connection; the body of its answer. */
  private static String get(SSLSocket s, String path) throws IOException {
    s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .getBytes(UTF_8));
    s.getOutputStream().flush();
    InputStream in = s.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(UTF_8).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("the connection closed in the answer's head: " + head);
      }
      head.write(b);
    }
    String text = head.toString(UTF_8);
    assertThat(text).startsWith("HTTP/1.1 200");
    int length = text.lines().filter(l -> l.toLowerCase().startsWith("content-length:"))
        .map(l -> Integer.parseInt(l.substring(l.indexOf(':') + 1).trim())).findFirst()
        .orElseThrow();
    return new String(in.readNBytes(length), UTF_8);
  }
}
