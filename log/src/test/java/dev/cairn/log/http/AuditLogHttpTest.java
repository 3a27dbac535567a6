package dev.cairn.log.http;

import static dev.cairn.log.testing.LogClient.assertError;
import static dev.cairn.log.testing.LogClient.text;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.log.LogConfig;
import dev.cairn.log.TransparencyLog;
import dev.cairn.log.auth.AuditLog;
import dev.cairn.log.auth.AuthSettings;
import dev.cairn.log.auth.TokenIssuerAccess;
import dev.cairn.log.sequencing.SequencerConfig;
import dev.cairn.log.testing.LogClient;
import dev.cairn.log.testing.LoggedErrors;
import dev.cairn.log.testing.Poll;
import dev.cairn.log.testing.ScratchMount;
import dev.cairn.log.testing.TestClock;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Floods of refused requests over real HTTP cost the audit log a bounded number of bytes with
 * their counts in them, and an audit log that cannot be written (a real full file system)
 * refuses allowed writes with 503, says so on {@code /readyz} and in metrics, and recovers by
 * itself, recording the gap.
 */
class AuditLogHttpTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration DEADLINE = Duration.ofSeconds(20);
  @TempDir Path dir;
  private final TestClock clock = new TestClock(Instant.now());
  private final List<AutoCloseable> open = new ArrayList<>();
  private TokenIssuerAccess issuer;
  private TransparencyLog log;
  private LogClient client;
  private int port;
  private Path auditFile;
  @RegisterExtension final LoggedErrors logged = new LoggedErrors();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
  }

  private void start(Path audit, AuditLog.Limits limits) throws Exception {
    issuer = new TokenIssuerAccess();
    open.add(issuer);
    log = TransparencyLog.open(new LogConfig(dir.resolve("data"),
        Optional.of("example.com/audit"), new SequencerConfig(Duration.ofMillis(5), 1024,
        65_536), Duration.ofMillis(20), java.time.Clock.systemUTC()));
    open.add(log);
    auditFile = audit;
    WriteGuard guard = WriteGuard.jwt(AuthSettings.jwt(issuer.jwksUrl(),
        TokenIssuerAccess.ISSUER, TokenIssuerAccess.AUDIENCE), audit, limits, clock);
    open.add(guard);
    LogServer server = LogServer.start(log, HttpConfig.defaults("127.0.0.1", 0), guard);
    open.add(server);
    port = server.port();
    client = new LogClient(port);
  }

  private String token(String role) {
    return "Bearer " + issuer.ed25519(TokenIssuerAccess.claims(clock.instant(), role).build());
  }

  private List<JsonNode> auditLines() throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    for (String l : Files.readAllLines(auditFile, UTF_8)) {
      lines.add(JSON.readTree(l));
    }
    return lines;
  }

  @Test
  void tenThousandRefusalsFromOneClientAreOneLineAndACount() throws Exception {
    start(dir.resolve("audit.jsonl"), AuditLog.Limits.DEFAULTS);
    String firstId = null;
    for (int i = 0; i < 10_000; i++) {
      HttpResponse<byte[]> r = client.post("/add", "spam".getBytes(UTF_8));
      assertThat(r.statusCode()).isEqualTo(401);
      if (firstId == null) {
        firstId = r.headers().firstValue("X-Request-Id").orElseThrow();
      }
    }
    // The guard's clock stood still: one second. Once it has passed, its count is written.
    clock.advance(Duration.ofSeconds(1));
    Poll.until("the count of the second to be written", DEADLINE,
        () -> read(auditFile).contains("\"repeats\""));
    List<JsonNode> lines = auditLines();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0).get("request_id").asText()).isEqualTo(firstId);
    assertThat(lines.get(0).get("reason").asText()).contains("no credentials");
    assertThat(lines.get(1).get("repeats").asLong()).isEqualTo(9_999);
    assertThat(lines.get(1).get("address").asText()).isEqualTo("127.0.0.1");
    assertThat(lines.get(1).get("status").asInt()).isEqualTo(401);
    assertThat(Files.size(auditFile)).as("a line each would be ~3 MB").isLessThan(2048);
    assertThat(text(client.get("/metrics")))
        .contains("cairn_audit_refusals_summarised_total{how=\"repeats\"} 9999.0");

    // Accepted writes are still each a line of their own.
    for (int i = 0; i < 3; i++) {
      assertThat(client.post("/add", ("entry " + i).getBytes(UTF_8), "Authorization",
          token("submitter")).statusCode()).isEqualTo(200);
    }
    assertThat(auditLines().stream().filter(l -> l.get("decision").asText().equals("allow")))
        .hasSize(3);
  }

  @Test
  void refusalsFromManyAddressesStayWithinTheBytesASecond() throws Exception {
    start(dir.resolve("audit.jsonl"), new AuditLog.Limits(64L << 20, 10, 4096));
    int addresses = 200;
    for (int i = 0; i < addresses; i++) {
      assertThat(postFrom(InetAddress.getByName("127.0.0." + (2 + i)))).startsWith(
          "HTTP/1.1 401");
    }
    clock.advance(Duration.ofSeconds(1));
    Poll.until("the count of dropped refusals to be written", DEADLINE,
        () -> read(auditFile).contains("\"dropped\""));
    List<JsonNode> lines = auditLines();
    JsonNode dropped = lines.getLast();
    List<JsonNode> full = lines.subList(0, lines.size() - 1);
    assertThat(full).allSatisfy(l -> assertThat(l.get("status").asInt()).isEqualTo(401));
    assertThat(full.stream().map(l -> l.get("address").asText()).distinct()).hasSameSizeAs(full);
    assertThat(full.size() + dropped.get("dropped").asLong()).isEqualTo(addresses);
    assertThat(dropped.get("statuses").get("401").asLong()).isEqualTo(addresses - full.size());
    long fullBytes = Files.size(auditFile) - (JSON.writeValueAsString(dropped).length() + 1);
    assertThat(fullBytes).isLessThanOrEqualTo(4096);
  }

  /** One request without credentials from {@code local}, on its own connection. */
  private String postFrom(InetAddress local) throws IOException {
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(local, 0));
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      OutputStream out = s.getOutputStream();
      out.write(("POST /add HTTP/1.1\r\nHost: log\r\nContent-Length: 4\r\nConnection: close"
          + "\r\n\r\nspam").getBytes(UTF_8));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), UTF_8);
    }
  }

  @Test
  void aFullAuditVolumeRefusesAllowedWritesSaysSoAndRecoversByItself() throws Exception {
    ScratchMount volume = ScratchMount.tmpfs(dir.resolve("audit-volume"), 1L << 20);
    open.add(volume);
    start(volume.path().resolve("audit.jsonl"), AuditLog.Limits.DEFAULTS);
    assertThat(client.post("/add", "before".getBytes(UTF_8), "Authorization",
        token("submitter")).statusCode()).isEqualTo(200);
    Path filler = volume.path().resolve("filler");
    fill(filler);

    // The audit file's last page still has room for a few lines.
    HttpResponse<byte[]> refused = null;
    long written = 1;
    for (int i = 0; i < 200 && refused == null; i++) {
      HttpResponse<byte[]> r = client.post("/add", ("entry " + i).getBytes(UTF_8),
          "Authorization", token("submitter"));
      if (r.statusCode() == 200) {
        written++;
      } else {
        refused = r;
      }
    }
    assertThat(refused).as("a write refused once the audit volume is full").isNotNull();
    assertThat(assertError(refused, 503)).contains("cannot be recorded in the audit log");
    assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    assertThat(client.post("/add", "no token".getBytes(UTF_8)).statusCode())
        .as("a refusal stands without its line").isEqualTo(401);
    String ready = assertError(client.get("/readyz"), 503);
    assertThat(ready).contains("audit failing since")
        .contains("writing the audit log failed: disk full")
        .as("files are for operators").doesNotContain(volume.path().toString());
    assertThat(text(client.get("/metrics")))
        .contains("cairn_fault{component=\"audit\",kind=\"no_space\"} 1.0")
        .containsPattern("cairn_audit_lines_lost_total [1-9]");
    // Nothing is allowed without its line, the admin's look at the detail included: the
    // server's log has it, once.
    assertError(client.get("/admin/health", "Authorization", token("admin")), 503);
    assertThat(logged.messages()).filteredOn(m -> m.contains("audit fault began")).singleElement().asString()
        .contains("disk full").contains(auditFile.toString())
        .contains("No space left on device");
    assertThat(log.sequencer().sequenced().size()).as("nothing unrecorded was written")
        .isEqualTo(written);

    // Space comes back: the audit log finds out by itself (no write needed) and says what it
    // lost; writes go on.
    Files.delete(filler);
    Poll.until("/readyz to return 200", DEADLINE, () -> client.get("/readyz").statusCode()
        == 200);
    JsonNode gap = auditLines().stream().filter(l -> l.get("decision").asText().equals("gap"))
        .findFirst().orElseThrow();
    assertThat(gap.get("lost_lines").asLong()).isGreaterThanOrEqualTo(3);
    assertThat(gap.get("reason").asText()).contains("disk full");
    assertThat(client.post("/add", "after".getBytes(UTF_8), "Authorization",
        token("submitter")).statusCode()).isEqualTo(200);
    HttpResponse<byte[]> health = client.get("/admin/health", "Authorization", token("admin"));
    assertThat(health.statusCode()).isEqualTo(200);
    JsonNode h = JSON.readTree(health.body());
    assertThat(h.get("ready").asBoolean()).isTrue();
    assertThat(h.get("jwks").get("location").asText()).isEqualTo(issuer.jwksUrl());
    assertThat(h.get("jwks").get("key_ids").toString()).contains("ed-1");
    assertThat(h.get("audit_log").get("file").asText()).isEqualTo(auditFile.toString());
    assertThat(h.get("audit_log").get("lines_lost").asLong()).isGreaterThanOrEqualTo(3);
  }

  private static void fill(Path filler) {
    try (RandomAccessFile f = new RandomAccessFile(filler.toFile(), "rw")) {
      byte[] block = new byte[4096];
      while (true) {
        f.write(block);
      }
    } catch (IOException e) {
      assertThat(e.getMessage()).contains("No space left on device");
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
