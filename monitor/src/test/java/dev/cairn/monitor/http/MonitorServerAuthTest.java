package dev.cairn.monitor.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.log.auth.AuthSettings;
import dev.cairn.log.auth.TokenIssuerAccess;
import dev.cairn.log.http.HttpConfig;
import dev.cairn.log.http.WriteGuard;
import dev.cairn.monitor.MonitorMetrics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API's authorisation matrix over real HTTP, with real JWTs from a JWKS served on loopback:
 * each route, each role, and the audit log's line for each decision.
 */
class MonitorServerAuthTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private TokenIssuerAccess issuer;
  private WriteGuard guard;
  private MonitorServer server;
  private final List<String> started = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  /** Serves fixed answers; records runs started. */
  private final class Fixed implements MonitorServer.Service {
    @Override
    public byte[] reports(Optional<String> after, int limit) {
      return "{\"reports\":[]}".getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Optional<byte[]> report(String runId) {
      return runId.equals("run-1") ? Optional.of("{}".getBytes(StandardCharsets.UTF_8))
          : Optional.empty();
    }

    @Override
    public Optional<byte[]> page(String runId) {
      return runId.equals("run-1") ? Optional.of("<p>".getBytes(StandardCharsets.UTF_8))
          : Optional.empty();
    }

    @Override
    public byte[] openFindings() {
      return "[]".getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String startRun(MonitorServer.RunRecorder record) throws java.io.IOException {
      String id = "run-" + (started.size() + 2);
      record.starting(id);
      started.add(id);
      return id;
    }

    @Override
    public byte[] config() {
      return "{\"hmac_secret\":\"<redacted>\"}".getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public List<String> notReady() {
      return List.of();
    }

    @Override
    public byte[] metrics() {
      return "# metrics\n".getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String metricsType() {
      return "text/plain";
    }
  }

  @BeforeEach
  void start() throws Exception {
    issuer = new TokenIssuerAccess();
    guard = WriteGuard.jwt(AuthSettings.jwt(issuer.jwksUrl(), TokenIssuerAccess.ISSUER,
        TokenIssuerAccess.AUDIENCE), dir.resolve("audit.jsonl"), Clock.systemUTC());
    server = MonitorServer.start(new Fixed(), guard, new MonitorMetrics(),
        HttpConfig.defaults("127.0.0.1", 0));
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    guard.close();
    issuer.close();
  }

  private String token(String... roles) {
    return issuer.ed25519(TokenIssuerAccess.claims(Instant.now(), roles).subject("alice")
        .build());
  }

  private HttpResponse<String> call(String method, String path, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + server.port() + path)).method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private List<JsonNode> auditLines() throws Exception {
    List<JsonNode> lines = new ArrayList<>();
    for (String l : Files.readAllLines(dir.resolve("audit.jsonl"))) {
      lines.add(JSON.readTree(l));
    }
    return lines;
  }

  @Test
  void eachRouteAnswersEachRoleAsItsRoleAllowsAndEveryDecisionIsAudited() throws Exception {
    Map<String, String> tokens = new java.util.LinkedHashMap<>();
    tokens.put("none", null);
    tokens.put("garbage", "not-a-jwt");
    tokens.put("submitter", token("submitter"));
    tokens.put("viewer", token("viewer"));
    tokens.put("operator", token("operator"));
    tokens.put("admin", token("admin"));
    record Route(String method, String path, String least) {}
    List<Route> routes = List.of(new Route("GET", "/reports", "viewer"),
        new Route("GET", "/reports/run-1", "viewer"),
        new Route("GET", "/reports/run-1.html", "viewer"),
        new Route("GET", "/findings?open=true", "viewer"),
        new Route("POST", "/runs", "operator"),
        new Route("GET", "/config", "admin"));
    List<String> order = List.of("viewer", "operator", "admin");
    int decisions = 0;
    int denials = 0;
    for (Route r : routes) {
      for (Map.Entry<String, String> t : tokens.entrySet()) {
        HttpResponse<String> resp = call(r.method(), r.path(), t.getValue());
        int expected;
        if (t.getValue() == null || t.getKey().equals("garbage")) {
          expected = 401;
        } else if (!order.contains(t.getKey())
            || order.indexOf(t.getKey()) < order.indexOf(r.least())) {
          expected = 403;
        } else {
          expected = r.method().equals("POST") ? 202 : 200;
        }
        assertThat(resp.statusCode()).as(r + " with " + t.getKey() + ": " + resp.body())
            .isEqualTo(expected);
        if (expected == 401) {
          assertThat(resp.headers().firstValue("WWW-Authenticate")).isPresent();
        }
        decisions++;
        if (expected >= 400) {
          denials++;
        }
      }
    }
    // Closing the audit log writes the summaries of repeated refusals.
    guard.close();
    List<JsonNode> lines = auditLines();
    // Unauthenticated refusals of one route from one address within a second may be summarised
    // into one line with a repeat count: count decisions, not lines.
    long allowed = lines.stream().filter(l -> l.get("decision").asText().equals("allow")
        && l.get("reason").asText().equals("ok")).count();
    long denied = lines.stream().filter(l -> l.get("decision").asText().equals("deny"))
        .mapToLong(l -> l.has("repeats") ? l.get("repeats").asLong() : 1).sum();
    assertThat(allowed).isEqualTo(decisions - denials);
    assertThat(denied).isEqualTo(denials);
    // Each denial names the role the route needed and why.
    assertThat(lines.stream().filter(l -> l.get("decision").asText().equals("deny")
        && l.get("status").asInt() == 403)).allSatisfy(l -> {
          assertThat(l.get("subject").asText()).isEqualTo("alice");
          assertThat(l.get("reason").asText()).contains("lacks the role");
        });
    // Two runs were started (operator, admin), each recorded before it started.
    assertThat(started).hasSize(2);
    assertThat(lines.stream().filter(l -> l.get("reason").asText().matches(
        "run run-\\d+ starting")).map(l -> l.get("target").asText()))
        .containsExactly("all configured logs", "all configured logs");
  }

  @Test
  void publicRoutesNeedNoToken() throws Exception {
    assertThat(call("GET", "/healthz", null).statusCode()).isEqualTo(200);
    assertThat(call("GET", "/readyz", null).statusCode()).isEqualTo(200);
    assertThat(call("GET", "/metrics", null).body()).contains("# metrics");
  }

  @Test
  void badRequestsAreRefusedNamingWhatIsWrong() throws Exception {
    String viewer = token("viewer");
    HttpResponse<String> r = call("GET", "/reports?limit=1000", viewer);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("limit must be a whole number from 1 to 100");
    r = call("GET", "/findings?open=false", viewer);
    assertThat(r.statusCode()).isEqualTo(400);
    r = call("GET", "/reports/..%2Fsecret", viewer);
    assertThat(r.statusCode()).isIn(400, 404);
    r = call("GET", "/reports/.hidden", viewer);
    assertThat(r.statusCode()).as("a run ID never starts with a dot").isEqualTo(404);
    r = call("GET", "/reports?after=.x", viewer);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("not starting with a dot");
    r = call("GET", "/reports/no-such-run", viewer);
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.body()).contains("no report of run no-such-run");
    r = call("DELETE", "/runs", token("operator"));
    assertThat(r.statusCode()).isEqualTo(405);
    assertThat(started).isEmpty();
  }

  @Test
  void theHtmlPageIsServedWithAPolicyForbiddingScripts() throws Exception {
    HttpResponse<String> r = call("GET", "/reports/run-1.html", token("viewer"));
    assertThat(r.headers().firstValue("Content-Security-Policy"))
        .hasValue(MonitorServer.HTML_POLICY);
    assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
  }

  @Test
  void withoutAuthenticationCallersAreAnonymousAndStillAuditedButConfigIsRefused()
      throws Exception {
    server.close();
    guard.close();
    guard = WriteGuard.auditOnly(dir.resolve("audit.jsonl"), Clock.systemUTC());
    server = MonitorServer.start(new Fixed(), guard, new MonitorMetrics(),
        HttpConfig.defaults("127.0.0.1", 0));
    assertThat(call("POST", "/runs", null).statusCode()).isEqualTo(202);
    assertThat(call("GET", "/config", null).statusCode()).isEqualTo(403);
    guard.close();
    List<JsonNode> lines = auditLines();
    assertThat(lines).anySatisfy(l -> {
      assertThat(l.get("subject").asText()).isEqualTo("anonymous");
      assertThat(l.get("route").asText()).isEqualTo("POST /runs");
      assertThat(l.get("decision").asText()).isEqualTo("allow");
    });
    assertThat(lines).anySatisfy(l -> assertThat(l.get("reason").asText())
        .matches("run run-\\d+ starting"));
  }
}
