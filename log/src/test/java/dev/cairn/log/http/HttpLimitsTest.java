package dev.cairn.log.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.log.LogConfig;
import dev.cairn.log.TransparencyLog;
import dev.cairn.log.testing.LogClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The configurable connection limits over real sockets: a silent connection is closed after the
 * idle timeout, a header block over the cap gets 431, and connections beyond the most allowed
 * wait unserved until one closes, and connections beyond the most allowed from one address are
 * closed as they open.
 */
class HttpLimitsTest {
  private static final Duration DEADLINE = Duration.ofSeconds(20);
  @TempDir Path dir;
  TransparencyLog log;
  LogServer server;

  @BeforeEach
  void open() throws Exception {
    log = TransparencyLog.open(LogConfig.defaults(dir));
  }

  /** Serves with at most 2 connections, 2 KiB of headers and this idle timeout. */
  private void serve(Duration idleTimeout) throws Exception {
    HttpConfig d = HttpConfig.DEFAULTS;
    server = LogServer.start(log, new HttpConfig("127.0.0.1", 0, d.maxBatchEntries(),
        d.maxBatchBytes(), d.maxBodyBytesInFlight(), 2048, 2, 0, idleTimeout, d.proofWait(),
        Optional.empty()));
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    log.close();
  }

  private Socket connect() throws IOException {
    Socket s = new Socket("127.0.0.1", server.port());
    s.setSoTimeout((int) DEADLINE.toMillis());
    return s;
  }

  private static String get(Socket s, String path) throws IOException {
    s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(UTF_8));
    s.getOutputStream().flush();
    byte[] head = s.getInputStream().readNBytes(12);
    return new String(head, UTF_8);
  }

  @Test
  void aSilentConnectionIsClosedAfterTheIdleTimeout() throws Exception {
    serve(Duration.ofMillis(300));
    long start = System.nanoTime();
    try (Socket s = connect()) {
      // The server closes it: the read ends (-1) well before the socket's own 20 s timeout.
      assertThat(s.getInputStream().read()).isEqualTo(-1);
      // Not before the timeout (it runs from the connect, after start).
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(DEADLINE)
          .isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }
    // Mid-request too: a body that stops coming ends the connection, and adds nothing.
    long before = log.sequencer().sequenced().size();
    try (Socket s = connect()) {
      s.getOutputStream().write(("POST /add HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n"
          + "\r\nabc").getBytes(UTF_8));
      String answer = new String(s.getInputStream().readAllBytes(), UTF_8);
      assertThat(answer).startsWith("HTTP/1.1 408 ").contains("the request body stopped arriving");
    }
    assertThat(log.sequencer().sequenced().size()).isEqualTo(before);
  }

  @Test
  void headersBeyondTheCapGet431() throws Exception {
    serve(Duration.ofSeconds(30));
    LogClient client = new LogClient(server.port());
    assertThat(client.get("/checkpoint", "X-Padding", "a".repeat(1024)).statusCode())
        .isEqualTo(200);
    assertThat(client.get("/checkpoint", "X-Padding", "a".repeat(4096)).statusCode())
        .isEqualTo(431);
  }

  @Test
  void connectionsBeyondTheLimitWaitUntilOneCloses() throws Exception {
    serve(Duration.ofSeconds(30));
    try (Socket a = connect(); Socket b = connect(); Socket c = connect()) {
      assertThat(get(a, "/healthz")).isEqualTo("HTTP/1.1 200");
      assertThat(get(b, "/healthz")).isEqualTo("HTTP/1.1 200");
      // The third is in the kernel's accept queue: its request is not read while two are open.
      c.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(UTF_8));
      c.setSoTimeout(500);
      InputStream in = c.getInputStream();
      boolean answered;
      try {
        answered = in.read() >= 0;
      } catch (SocketTimeoutException e) {
        answered = false;
      }
      assertThat(answered).as("served beyond the connection limit").isFalse();
      a.close();
      c.setSoTimeout((int) DEADLINE.toMillis());
      assertThat(new String(in.readNBytes(12), UTF_8)).isEqualTo("HTTP/1.1 200");
    }
  }

  @Test
  void connectionsBeyondTheLimitForOneAddressAreClosedAsTheyOpen() throws Exception {
    HttpConfig d = HttpConfig.DEFAULTS;
    server = LogServer.start(log, new HttpConfig("127.0.0.1", 0, d.maxBatchEntries(),
        d.maxBatchBytes(), d.maxBodyBytesInFlight(), d.maxHeaderBytes(), 100, 2, d.idleTimeout(),
        d.proofWait(), Optional.empty()));
    try (Socket a = connect()) {
      assertThat(get(a, "/healthz")).isEqualTo("HTTP/1.1 200");
      try (Socket b = connect()) {
        assertThat(get(b, "/healthz")).isEqualTo("HTTP/1.1 200");
        // Two are open (both answered): the third from this address is closed, unanswered.
        try (Socket c = connect()) {
          assertThat(answerOrEnd(c)).isEqualTo(-1);
        }
      }
      // With one closed, this address may open another.
      long end = System.nanoTime() + DEADLINE.toNanos();
      String metrics = null;
      while (metrics == null && System.nanoTime() < end) {
        try (Socket again = connect()) {
          again.getOutputStream().write(("GET /metrics HTTP/1.1\r\nHost: x\r\n"
              + "Connection: close\r\n\r\n").getBytes(UTF_8));
          String answer = new String(again.getInputStream().readAllBytes(), UTF_8);
          metrics = answer.startsWith("HTTP/1.1 200") ? answer : null;
        } catch (IOException e) {
          // Closed as it opened: the server has not yet counted a closed one out; try again.
        }
      }
      assertThat(metrics).as("served again within " + DEADLINE).isNotNull();
      // The third connection, and any retry above that came before a close was counted out.
      java.util.regex.Matcher refused = java.util.regex.Pattern.compile(
          "\ncairn_http_connections_refused_total ([0-9.]+)\n").matcher(metrics);
      assertThat(refused.find()).as(metrics).isTrue();
      assertThat(Double.parseDouble(refused.group(1))).isGreaterThanOrEqualTo(1);
    }
  }

  /**
   * The first byte of an answer to a request on {@code s}, or -1 if the server closed it; a
   * connection left open unanswered fails.
   */
  private static int answerOrEnd(Socket s) throws IOException {
    try {
      s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(UTF_8));
      return s.getInputStream().read();
    } catch (SocketTimeoutException e) {
      throw e;
    } catch (IOException e) {
      return -1; // reset by the server
    }
  }
}
