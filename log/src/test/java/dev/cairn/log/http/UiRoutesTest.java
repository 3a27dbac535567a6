package dev.cairn.log.http;

import static dev.cairn.log.testing.LogClient.assertError;
import static dev.cairn.log.testing.LogClient.header;
import static dev.cairn.log.testing.LogClient.text;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.log.LogConfig;
import dev.cairn.log.TransparencyLog;
import dev.cairn.log.sequencing.SequencerConfig;
import dev.cairn.log.testing.LogClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The explorer's routes on a real server: its files, the hardening headers on every answer
 * under {@code /ui} (errors too, and when it is off), the CSP report endpoint and its counter.
 * The page itself is tested in a browser (interop's ExplorerBrowserTest).
 */
class UiRoutesTest {
  private static final List<String> FILES = List.of("/ui/", "/ui/app.js", "/ui/verify.js",
      "/ui/style.css", "/ui/icon.svg");

  @TempDir Path dir;
  private TransparencyLog log;
  private LogServer server;
  private LogClient client;

  private void start(boolean ui) throws Exception {
    log = TransparencyLog.open(new LogConfig(dir, Optional.of("example.com/ui-test"),
        SequencerConfig.DEFAULT, Duration.ofSeconds(1), Clock.systemUTC()));
    server = LogServer.prepare(HttpConfig.defaults("127.0.0.1", 0)).withUi(ui)
        .serve(log, HttpConfig.defaults("127.0.0.1", 0));
    client = new LogClient(server.port());
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    if (log != null) {
      log.close();
    }
  }

  private static void assertHardened(HttpResponse<byte[]> r) {
    assertThat(header(r, "Content-Security-Policy")).isEqualTo("default-src 'none';"
        + " script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self';"
        + " base-uri 'none'; form-action 'none'; frame-ancestors 'none';"
        + " require-trusted-types-for 'script'; trusted-types 'none';"
        + " report-uri /ui/csp-report");
    assertThat(header(r, "X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(header(r, "Referrer-Policy")).isEqualTo("no-referrer");
    assertThat(header(r, "Cross-Origin-Opener-Policy")).isEqualTo("same-origin");
  }

  private double cspReports() {
    return OperationalMetricsHttpTest.sample(text(client.get("/metrics")),
        "cairn_ui_csp_reports_total").orElseThrow();
  }

  @Test
  void servesTheFilesWithTheirTypesHardenedAndRevalidated() throws Exception {
    start(true);
    for (String path : FILES) {
      HttpResponse<byte[]> r = client.get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(200);
      assertHardened(r);
      assertThat(header(r, "Cache-Control")).isEqualTo("no-cache");
      HttpResponse<byte[]> again = client.get(path, "If-None-Match", header(r, "ETag"));
      assertThat(again.statusCode()).as(path).isEqualTo(304);
      assertThat(again.body()).isEmpty();
      assertThat(client.get(path, "If-None-Match", "\"other\", W/" + header(r, "ETag"))
          .statusCode()).as(path).isEqualTo(304);
      assertThat(client.get(path, "If-None-Match", "\"other\"").statusCode()).isEqualTo(200);
    }
    assertThat(header(client.get("/ui/"), "Content-Type")).isEqualTo("text/html; charset=utf-8");
    assertThat(header(client.get("/ui/app.js"), "Content-Type"))
        .startsWith("text/javascript");
    assertThat(header(client.get("/ui/style.css"), "Content-Type")).startsWith("text/css");
    String page = text(client.get("/ui/"));
    assertThat(page).contains("<script type=\"module\" src=\"/ui/app.js\"></script>")
        .doesNotContain("style=").doesNotContain("onclick").doesNotContain("<style");
    // No inline script: every script element has a src.
    assertThat(page.split("<script").length - 1)
        .isEqualTo(page.split("<script type=\"module\" src=").length - 1);
    HttpResponse<byte[]> redirect = client.get("/ui");
    assertThat(redirect.statusCode()).isEqualTo(308);
    assertThat(header(redirect, "Location")).isEqualTo("/ui/");
    assertThat(text(client.get("/"))).contains("<a href=\"/ui/\">");
  }

  @Test
  void errorsUnderUiAreHardenedToo() throws Exception {
    start(true);
    HttpResponse<byte[]> missing = client.get("/ui/../checkpoint.js");
    assertHardened(missing);
    assertThat(missing.statusCode()).isIn(400, 404);
    HttpResponse<byte[]> notFound = client.get("/ui/secret.txt");
    assertThat(assertError(notFound, 404)).contains("the explorer has no file /ui/secret.txt");
    assertHardened(notFound);
    HttpResponse<byte[]> post = client.post("/ui/app.js", new byte[] {1});
    assertThat(assertError(post, 405)).contains("POST is not allowed");
    assertHardened(post);
    // The API itself is not the page: no page policy there.
    assertThat(client.get("/checkpoint").headers().firstValue("Content-Security-Policy"))
        .isEmpty();
  }

  @Test
  void cspReportsAreCountedAndAnythingElseIsRefused() throws Exception {
    start(true);
    assertThat(cspReports()).isZero();
    byte[] report = ("{\"csp-report\": {\"document-uri\": \"http://127.0.0.1/ui/\","
        + " \"effective-directive\": \"require-trusted-types-for\","
        + " \"blocked-uri\": \"trusted-types-sink\"}}").getBytes(UTF_8);
    HttpResponse<byte[]> r = client.post("/ui/csp-report", report,
        "Content-Type", "application/csp-report");
    assertThat(r.statusCode()).isEqualTo(204);
    assertHardened(r);
    assertThat(cspReports()).isEqualTo(1);
    String[] csp = {"Content-Type", "application/csp-report"};
    assertThat(assertError(client.post("/ui/csp-report", "not json".getBytes(UTF_8), csp),
        400)).contains("a CSP report is JSON");
    assertThat(assertError(client.post("/ui/csp-report", "{\"x\": 1}".getBytes(UTF_8), csp),
        400)).contains("{\"csp-report\": {...}}");
    assertThat(assertError(client.post("/ui/csp-report",
        new byte[UiRoutes.MAX_REPORT_BYTES + 1], csp), 413)).contains("larger than");
    // What a cross-site form could send without a preflight is refused.
    assertThat(assertError(client.post("/ui/csp-report", report, "Content-Type",
        "text/plain"), 415)).contains("application/csp-report, not text/plain");
    assertThat(assertError(client.post("/ui/csp-report", report), 415))
        .contains("application/csp-report");
    assertThat(assertError(client.get("/ui/csp-report"), 405)).contains("use POST");
    assertThat(cspReports()).isEqualTo(1);
  }

  @Test
  void turnedOffTheExplorerIsNotFoundAndNotLinked() throws Exception {
    start(false);
    for (String path : FILES) {
      HttpResponse<byte[]> r = client.get(path);
      assertThat(assertError(r, 404)).contains("--ui=false");
      assertHardened(r);
    }
    assertThat(assertError(client.post("/ui/csp-report", "{}".getBytes(UTF_8)), 404))
        .contains("turned off");
    assertThat(text(client.get("/"))).doesNotContain("/ui/");
    assertThat(client.get("/checkpoint").statusCode()).isEqualTo(200);
  }
}
