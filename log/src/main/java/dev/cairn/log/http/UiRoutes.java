package dev.cairn.log.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.log.LogMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The explorer at {@code /ui/}: a page that looks up entries and checkpoints and verifies them
 * itself (resources {@code dev/cairn/log/ui/}: plain ES modules and CSS, loaded once from the
 * jar), and {@code POST /ui/csp-report}, where browsers report what the Content-Security-Policy
 * blocked. Every answer under {@code /ui} carries the policy and the other hardening headers,
 * errors included.
 */
final class UiRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(UiRoutes.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where browsers send reports of what the policy blocked. */
  static final String REPORT_PATH = "/ui/csp-report";

  /**
   * Nothing but the page's own files and the log's own API; no inline script or style, no
   * eval, no frames, no forms sent anywhere; DOM sinks that parse markup refuse strings
   * (Trusted Types, with no policy allowed to make them).
   */
  static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self';"
      + " img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none';"
      + " frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none';"
      + " report-uri " + REPORT_PATH;

  private static final HttpField[] HEADERS = {
      new HttpField("Content-Security-Policy", CSP),
      new HttpField("X-Content-Type-Options", "nosniff"),
      new HttpField("Referrer-Policy", "no-referrer"),
      new HttpField("Cross-Origin-Opener-Policy", "same-origin"),
      new HttpField("Cross-Origin-Resource-Policy", "same-origin"),
      new HttpField("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
  };

  /** The media type of a {@code report-uri} CSP report. */
  private static final String REPORT_TYPE = "application/csp-report";

  /** The largest CSP report read; browsers send a few hundred bytes. */
  static final int MAX_REPORT_BYTES = 16 * 1024;

  /** One warning a second at most: a page that keeps violating must not flood the log. */
  private static final long LOG_INTERVAL_NANOS = 1_000_000_000L;

  private record Asset(String contentType, byte[] body, String etag) {}

  private final Map<String, Asset> assets;
  private final LogMetrics metrics;
  private final AtomicLong lastLogged = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);

  private UiRoutes(Map<String, Asset> assets, LogMetrics metrics) {
    this.assets = assets;
    this.metrics = metrics;
  }

  /** The explorer's files, read from the class path once. */
  static UiRoutes load(LogMetrics metrics) {
    Map<String, Asset> assets = new LinkedHashMap<>();
    Map<String, String> files = Map.of(
        "index.html", "text/html; charset=utf-8",
        "app.js", "text/javascript; charset=utf-8",
        "verify.js", "text/javascript; charset=utf-8",
        "style.css", "text/css; charset=utf-8",
        "icon.svg", "image/svg+xml");
    for (Map.Entry<String, String> f : files.entrySet()) {
      byte[] body = resource(f.getKey());
      assets.put(f.getKey(), new Asset(f.getValue(), body, etag(body)));
    }
    assets.put("", assets.get("index.html"));
    return new UiRoutes(Map.copyOf(assets), metrics);
  }

  private static byte[] resource(String name) {
    try (InputStream in = UiRoutes.class.getResourceAsStream("/dev/cairn/log/ui/" + name)) {
      if (in == null) {
        throw new IllegalStateException("the explorer's " + name + " is missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("couldn't read the explorer's " + name, e);
    }
  }

  private static String etag(byte[] body) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(body);
      return "\"" + HexFormat.of().formatHex(d, 0, 16) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The hardening headers, on every answer under {@code /ui}. */
  static void harden(Exchange x) {
    for (HttpField f : HEADERS) {
      x.response.getHeaders().put(f);
    }
  }

  /** {@code GET /ui/<file>}: a file of the page; {@code /ui} itself redirects to {@code /ui/}. */
  void asset(Exchange x) {
    String path = x.path();
    if (path.equals("/ui")) {
      x.response.getHeaders().put(HttpHeader.LOCATION, "/ui/");
      x.text(308, "no-cache", "the explorer is at /ui/\n");
      return;
    }
    Asset a = assets.get(path.substring("/ui/".length()));
    if (a == null) {
      throw HttpError.notFound("the explorer has no file " + Exchange.abbreviate(path));
    }
    x.response.getHeaders().put(HttpHeader.ETAG, a.etag());
    if (matches(x.request.getHeaders().get(HttpHeader.IF_NONE_MATCH), a.etag())) {
      x.send(304, a.contentType(), "no-cache", new byte[0]);
      return;
    }
    x.send(200, a.contentType(), "no-cache", a.body());
  }

  /**
   * Whether an {@code If-None-Match} value (a list, weak or strong tags, or *) names
   * {@code etag}.
   */
  static boolean matches(String ifNoneMatch, String etag) {
    if (ifNoneMatch == null) {
      return false;
    }
    for (String tag : ifNoneMatch.split(",")) {
      String t = tag.strip();
      if (t.equals("*") || t.equals(etag) || t.equals("W/" + etag)) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code POST /ui/csp-report}: a browser's report of something the policy blocked (the
   * {@code report-uri} format, {@code {"csp-report": {...}}}). Counted in {@code
   * cairn_ui_csp_reports_total} and logged (one line a second at most); answered 204. Another
   * media type is refused with 415, a body that is not such a report with 400; neither counts.
   */
  void report(Exchange x) {
    String type = x.request.getHeaders().get(HttpHeader.CONTENT_TYPE);
    String media = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    if (!media.equals(REPORT_TYPE)) {
      // A browser sends application/csp-report; a plain cross-site form or fetch cannot send
      // it without a CORS preflight, which this endpoint never grants.
      throw new HttpError(415, "a CSP report is sent as application/csp-report, not "
          + (type == null ? "nothing" : Exchange.abbreviate(type, 100)));
    }
    x.readBody(MAX_REPORT_BYTES).whenComplete((body, failure) -> {
      try (LogContext c = x.logContext()) {
        if (failure != null) {
          x.fail(failure);
          return;
        }
        JsonNode report;
        try {
          report = JSON.readTree(body).path("csp-report");
        } catch (IOException e) {
          throw HttpError.badRequest("a CSP report is JSON: " + e.getMessage());
        }
        if (!report.isObject()) {
          throw HttpError.badRequest("a CSP report is {\"csp-report\": {...}}");
        }
        metrics.cspReport();
        long now = System.nanoTime();
        long last = lastLogged.get();
        if (now - last >= LOG_INTERVAL_NANOS && lastLogged.compareAndSet(last, now)) {
          LOG.warn("the explorer's Content-Security-Policy blocked {} from {} on {}",
              printable(report.path("effective-directive").asText(
                  report.path("violated-directive").asText("?")), 100),
              printable(report.path("blocked-uri").asText("?"), 200),
              printable(report.path("document-uri").asText("?"), 200));
        }
        x.send(204, "text/plain; charset=utf-8", "no-store", new byte[0]);
      } catch (Throwable t) {
        x.fail(t);
      }
    });
  }

  /** Text from a report as one printable line: control characters become '?'. */
  private static String printable(String s, int max) {
    return Exchange.abbreviate(s.replaceAll("\\p{Cntrl}|\\p{Cf}", "?"), max);
  }
}
