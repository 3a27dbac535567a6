package dev.cairn.monitor.http;

import dev.cairn.log.auth.Principal;
import dev.cairn.log.http.Exchange;
import dev.cairn.log.http.HttpConfig;
import dev.cairn.log.http.HttpError;
import dev.cairn.log.http.LogServer;
import dev.cairn.log.http.WriteGuard;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The monitor's HTTP API, on the log's HTTP stack and behind the log's JWT authentication and
 * audit log ({@link WriteGuard}):
 *
 * <ul>
 *   <li>{@code GET /reports[?after=<run-id>&limit=<1..100>]} — reports, newest first (viewer);
 *   <li>{@code GET /reports/<run-id>} — one report, JSON; {@code GET /reports/<run-id>.html} —
 *       the same as a page without scripts (viewer);
 *   <li>{@code GET /findings?open=true} — the findings open now (viewer);
 *   <li>{@code POST /runs} — starts a run now: 202 with its ID (operator);
 *   <li>{@code GET /config} — the effective configuration, secrets redacted (admin);
 *   <li>{@code /healthz}, {@code /readyz}, {@code /metrics} — public.
 * </ul>
 *
 * <p>Roles come from the token's roles claim: {@code viewer}, {@code operator} (which may also
 * view) and {@code admin} (which may do everything). Every decision on a route that needs a
 * role, allowed or refused, and every run started, is a line in the audit log. With
 * authentication off (development only) everyone is {@code anonymous} with the operator's
 * rights and is still recorded; {@code GET /config} is then refused.
 */
public final class MonitorServer implements AutoCloseable {
  private static final Set<String> READ = Set.of("GET", "HEAD");
  /** A run ID as reports name them: not starting with a dot. */
  private static final String RUN_ID = "(?!\\.)[A-Za-z0-9._-]{1,64}";
  private static final Pattern REPORT = Pattern.compile("/reports/(" + RUN_ID + "?)"
      + "(\\.html|\\.json)?");
  /** The page's policy: no scripts, no requests, inline styles only. */
  static final String HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'";

  /** What the API serves, implemented by the monitor. */
  public interface Service {
    /** A page of reports newest first, JSON: {@code {"reports":[...],"next":...}}. */
    byte[] reports(Optional<String> after, int limit) throws IOException;

    /** The JSON report of {@code runId}, if kept. */
    Optional<byte[]> report(String runId) throws IOException;

    /** The HTML page of {@code runId}'s report, if kept. */
    Optional<byte[]> page(String runId) throws IOException;

    /** The open findings, JSON. */
    byte[] openFindings() throws IOException;

    /** Starts a run now and returns its ID; {@code record} is called with it first. */
    String startRun(RunRecorder record) throws IOException;

    /** The effective configuration with secrets redacted, JSON. */
    byte[] config();

    /** What keeps the monitor from being ready (empty when ready). */
    List<String> notReady();

    /** The metrics, in the Prometheus text format. */
    byte[] metrics() throws IOException;

    /** The metrics' content type. */
    String metricsType();
  }

  /** Records a run about to start, durably, before it starts. */
  @FunctionalInterface
  public interface RunRecorder {
    /** Records that run {@code runId} starts. */
    void starting(String runId) throws IOException;
  }

  /** The roles of the API, each including those before it. */
  enum Role {
    VIEWER, OPERATOR, ADMIN;

    String id() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Whether {@code who} has this role or a higher one. */
    boolean heldBy(Principal who) {
      for (Role r : values()) {
        if (r.compareTo(this) >= 0 && who.hasRole(r.id())) {
          return true;
        }
      }
      return false;
    }
  }

  private final Service service;
  private final WriteGuard guard;
  private final dev.cairn.monitor.MonitorMetrics metrics;
  private final ExecutorService blocking = Executors.newVirtualThreadPerTaskExecutor();
  private LogServer server;

  private MonitorServer(Service service, WriteGuard guard,
      dev.cairn.monitor.MonitorMetrics metrics) {
    this.service = service;
    this.guard = guard;
    this.metrics = metrics;
  }

  /**
   * Serves {@code service} as {@code config} says, checking callers with {@code guard} (JWT and
   * audit log, or {@link WriteGuard#auditOnly} in development).
   */
  public static MonitorServer start(Service service, WriteGuard guard,
      dev.cairn.monitor.MonitorMetrics metrics, HttpConfig config) throws Exception {
    MonitorServer s = new MonitorServer(service, guard, metrics);
    s.server = LogServer.start(s.new Routes(), config);
    return s;
  }

  /** The port it listens on. */
  public int port() {
    return server.port();
  }

  private final class Routes extends Handler.Abstract.NonBlocking {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      Exchange x = new Exchange(request, response, callback, metrics);
      try {
        route(x);
      } catch (Throwable t) {
        x.fail(t);
      }
      return true;
    }
  }

  private void route(Exchange x) {
    String path = x.path();
    switch (path) {
      case "/healthz" -> {
        x.route("healthz", READ);
        x.text(200, "no-store", "ok\n");
      }
      case "/readyz" -> {
        x.route("readyz", READ);
        List<String> problems = service.notReady();
        if (problems.isEmpty()) {
          x.text(200, "no-store", "ready\n");
        } else {
          x.error(503, "not ready: " + String.join("; ", problems));
        }
      }
      case "/metrics" -> {
        x.route("metrics", READ);
        blocking(x, () -> x.send(200, service.metricsType(), "no-store", service.metrics()));
      }
      case "/reports" -> {
        x.route("reports", READ);
        String after = x.param("after");
        int limit = limit(x.param("limit"));
        if (after != null && !after.matches(RUN_ID)) {
          throw new HttpError(400, "after must be a run ID (1 to 64 of A-Z a-z 0-9 . _ -, not"
              + " starting with a dot)");
        }
        guarded(x, Role.VIEWER, null, () -> x.send(200, "application/json", "no-store",
            service.reports(Optional.ofNullable(after), limit)));
      }
      case "/findings" -> {
        x.route("findings", READ);
        String open = x.param("open");
        if (open != null && !open.equals("true")) {
          throw new HttpError(400, "only open findings are served (open=true); closed ones"
              + " are in the reports that resolved them");
        }
        guarded(x, Role.VIEWER, null, () -> x.send(200, "application/json", "no-store",
            service.openFindings()));
      }
      case "/runs" -> {
        x.route("runs", Set.of("POST"));
        guarded(x, Role.OPERATOR, "all configured logs", who -> {
          String runId = service.startRun(id -> guard.recordAction(x, who, Role.OPERATOR.id(),
              "run " + id + " starting", "all configured logs"));
          x.response.getHeaders().put(HttpHeader.LOCATION, "/reports/" + runId);
          x.send(202, "application/json", "no-store",
              ("{\"run_id\":\"" + runId + "\",\"report\":\"/reports/" + runId + "\"}\n")
                  .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        });
      }
      case "/config" -> {
        x.route("config", READ);
        if (!guard.authenticates()) {
          throw new HttpError(403, "the configuration is served to admins only, and there are"
              + " none with authentication off: configure auth in monitor.yaml");
        }
        guarded(x, Role.ADMIN, null, () -> x.send(200, "application/json", "no-store",
            service.config()));
      }
      default -> {
        Matcher m = REPORT.matcher(path);
        if (!m.matches()) {
          throw new HttpError(404, "no such resource: " + Exchange.abbreviate(path, 80)
              + " (see /reports, /findings?open=true, /runs)");
        }
        String runId = m.group(1);
        boolean html = ".html".equals(m.group(2));
        x.route(html ? "report-html" : "report", READ);
        guarded(x, Role.VIEWER, null, () -> {
          Optional<byte[]> body = html ? service.page(runId) : service.report(runId);
          if (body.isEmpty()) {
            throw new HttpError(404, "no report of run " + runId
                + " (it never ran, is still running, or was removed by retention)");
          }
          if (html) {
            x.response.getHeaders().put("Content-Security-Policy", HTML_POLICY);
            x.response.getHeaders().put("X-Content-Type-Options", "nosniff");
            x.send(200, "text/html; charset=utf-8", "no-store", body.get());
          } else {
            x.send(200, "application/json", "no-store", body.get());
          }
        });
      }
    }
  }

  @FunctionalInterface
  private interface Work {
    void run() throws Exception;
  }

  @FunctionalInterface
  private interface Allowed {
    void run(Principal who) throws Exception;
  }

  private void guarded(Exchange x, Role role, String target, Work work) {
    guarded(x, role, target, who -> work.run());
  }

  /** On a virtual thread (the JWKS may be fetched, the audit log is written): check, then work. */
  private void guarded(Exchange x, Role role, String target, Allowed work) {
    blocking(x, () -> {
      Principal who = guard.authorize(x, role.id(),
          p -> role.heldBy(p), target);
      work.run(who);
    });
  }

  private void blocking(Exchange x, Work work) {
    blocking.execute(() -> {
      try {
        work.run();
      } catch (Throwable t) {
        x.fail(t);
      }
    });
  }

  private static int limit(String value) {
    if (value == null) {
      return 20;
    }
    try {
      int n = Integer.parseInt(value);
      if (n >= 1 && n <= 100) {
        return n;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new HttpError(400, "limit must be a whole number from 1 to 100, not \""
        + Exchange.abbreviate(value, 20) + "\"");
  }

  @Override
  public void close() throws Exception {
    server.close();
    blocking.shutdown();
  }
}
