package dev.cairn.log.http;

import static dev.cairn.log.testing.LogClient.assertError;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.log.LogConfig;
import dev.cairn.log.TransparencyLog;
import dev.cairn.log.testing.LogClient;
import dev.cairn.log.testing.LoggedErrors;
import dev.cairn.log.testing.Poll;
import dev.cairn.tile.Bundles;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Write bodies over real sockets: bodies being read are bounded in bytes for the whole server
 * (beyond it a write is pushed back unread, and health checks go on), and bodies over their
 * limit — chunked or declared — are a 413 naming it, logged as nothing worse than a refusal.
 */
class RequestBodiesTest {
  private static final Duration DEADLINE = Duration.ofSeconds(20);
  /** Room for four /add bodies of the largest entry at once. */
  private static final long BUDGET = 4L * Bundles.MAX_ENTRY_SIZE;
  private static final int MAX_BATCH_BYTES = 64 * 1024;

  @TempDir Path dir;
  private TransparencyLog log;
  private LogServer server;
  private LogClient client;
  @RegisterExtension final LoggedErrors logged = new LoggedErrors();

  @BeforeEach
  void start() throws Exception {
    log = TransparencyLog.open(LogConfig.defaults(dir));
    HttpConfig d = HttpConfig.DEFAULTS;
    server = LogServer.start(log, new HttpConfig("127.0.0.1", 0, d.maxBatchEntries(),
        MAX_BATCH_BYTES, BUDGET, d.maxHeaderBytes(), d.maxConnections(),
        d.maxConnectionsPerAddress(), d.idleTimeout(), d.proofWait(), Optional.empty()));
    client = new LogClient(server.port());
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    log.close();
  }

  private Socket connect() throws IOException {
    Socket s = new Socket("127.0.0.1", server.port());
    s.setSoTimeout((int) DEADLINE.toMillis());
    return s;
  }

  /** {@code cairn_http_body_bytes_in_flight} as {@code /metrics} shows it. */
  private long bodyBytesInFlight() {
    String metrics = LogClient.text(client.get("/metrics"));
    Matcher m = Pattern.compile("\ncairn_http_body_bytes_in_flight ([0-9.E]+)\n")
        .matcher(metrics);
    assertThat(m.find()).as("the body budget gauge in %s", metrics).isTrue();
    return (long) Double.parseDouble(m.group(1));
  }

  @Test
  void slowBodiesBeyondTheBudgetArePushedBackUnreadAndHealthChecksGoOn() throws Exception {
    List<Socket> slow = new ArrayList<>();
    try {
      // Four clients declare the largest entry and send a few bytes of it: the budget is spent.
      for (int i = 1; i <= 4; i++) {
        Socket s = connect();
        slow.add(s);
        s.getOutputStream().write(("POST /add HTTP/1.1\r\nHost: x\r\nContent-Length: "
            + Bundles.MAX_ENTRY_SIZE + "\r\n\r\nthe first bytes").getBytes(UTF_8));
        long counted = (long) i * Bundles.MAX_ENTRY_SIZE;
        Poll.until("body " + i + " counted", DEADLINE, () -> bodyBytesInFlight() == counted);
      }
      // Every further write is answered at once, before it sends a byte of its body.
      for (int i = 0; i < 20; i++) {
        try (Socket s = connect()) {
          s.getOutputStream().write(("POST /add HTTP/1.1\r\nHost: x\r\nContent-Length: 100"
              + "\r\n\r\n").getBytes(UTF_8));
          InputStream in = s.getInputStream();
          String head = readHead(in);
          assertThat(head).startsWith("HTTP/1.1 503 ");
          assertThat(head.toLowerCase(Locale.ROOT)).contains("\r\nretry-after: 1\r\n");
          assertThat(new String(in.readNBytes(contentLength(head)), UTF_8))
              .contains("request bodies being read take the " + BUDGET + " bytes");
        }
      }
      assertThat(client.get("/healthz").statusCode()).isEqualTo(200);
      assertThat(bodyBytesInFlight()).isEqualTo(BUDGET);
    } finally {
      for (Socket s : slow) {
        s.close();
      }
    }
    // The clients gone, their bodies are counted out and writes are taken again.
    Poll.until("the budget back", DEADLINE, () -> bodyBytesInFlight() == 0);
    assertThat(LogClient.text(client.post("/add", "after".getBytes(UTF_8)))).isEqualTo("0\n");
    assertThat(log.sequencer().sequenced().size()).isEqualTo(1);
  }

  @Test
  void aChunkedAddOverTheLargestEntryIs413NamingTheLimitAndNoError() {
    String reason = assertError(client.postChunked("/add",
        new byte[Bundles.MAX_ENTRY_SIZE + 1]), 413);
    assertThat(reason).contains("larger than the " + Bundles.MAX_ENTRY_SIZE + " bytes allowed");
    // Far beyond the limit too: the rest of the body is dropped, not collected.
    assertError(client.postChunked("/add", new byte[3 << 20]), 413);
    assertThat(logged.messages()).isEmpty();
    assertThat(log.sequencer().sequenced().size()).isZero();
    // The largest entry is still taken, chunked.
    assertThat(LogClient.text(client.postChunked("/add",
        new byte[Bundles.MAX_ENTRY_SIZE]))).isEqualTo("0\n");
  }

  @Test
  void anAddBatchOverItsLimitIs413NamingItChunkedOrDeclaredAndNoError() {
    String chunked = assertError(client.postChunked("/add-batch",
        new byte[2 * MAX_BATCH_BYTES]), 413);
    assertThat(chunked).contains("larger than the " + MAX_BATCH_BYTES + " bytes allowed");
    String declared = assertError(client.post("/add-batch", new byte[MAX_BATCH_BYTES + 1]),
        413);
    assertThat(declared).contains("larger than the " + MAX_BATCH_BYTES + " allowed");
    assertThat(logged.messages()).isEmpty();
    assertThat(log.sequencer().sequenced().size()).isZero();
  }

  @Test
  void aBodyRefusedBeforeItIsReadIsDroppedAndTheConnectionServesTheNextRequest()
      throws IOException {
    // POST on a read route is refused before its body is read; the body still comes in full.
    try (Socket s = connect()) {
      byte[] body = new byte[2 << 20];
      s.getOutputStream().write(("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: "
          + body.length + "\r\n\r\n").getBytes(UTF_8));
      s.getOutputStream().write(body);
      InputStream in = s.getInputStream();
      String head = readHead(in);
      assertThat(head).startsWith("HTTP/1.1 405 ");
      in.readNBytes(contentLength(head));
      s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(UTF_8));
      assertThat(readHead(in)).startsWith("HTTP/1.1 200 ");
    }
  }

  private static String readHead(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    while (!sb.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new AssertionError("the server closed the connection; it had sent: " + sb);
      }
      sb.append((char) b);
    }
    return sb.toString();
  }

  private static int contentLength(String head) {
    return head.lines().filter(l -> l.toLowerCase(Locale.ROOT).startsWith("content-length:"))
        .map(l -> Integer.parseInt(l.substring(15).strip())).findFirst().orElse(0);
  }
}
