package dev.cairn.log.http;

import dev.cairn.log.TransparencyLog;
import dev.cairn.log.health.ComponentHealth;
import dev.cairn.log.publishing.Publisher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Health, readiness, metrics and the home page. */
final class StatusRoutes {
  private final TransparencyLog log;
  private final WriteGuard guard;

  StatusRoutes(TransparencyLog log, WriteGuard guard) {
    this.log = log;
    this.guard = guard;
  }

  /** Each part that writes: the log's own, and the audit log when there is one. */
  static List<ComponentHealth> parts(TransparencyLog log, WriteGuard guard) {
    List<ComponentHealth> parts = new ArrayList<>(log.health());
    guard.audit().ifPresent(a -> parts.add(a.health()));
    return parts;
  }

  /** The process is up and serving. */
  void healthz(Exchange x) {
    x.text(200, "no-store", "ok\n");
  }

  /**
   * Ready for writes: sequencing, integration, publishing and the audit log all work. Otherwise
   * 503, naming each failing part, what failed and its kind, and since when; a part stopped on a
   * fatal fault says so and where the runbook says what to do. The files and errors are not
   * for anyone who asks: they are in the server's log and on {@code GET /admin/health}.
   */
  void readyz(Exchange x) {
    List<String> faults = new ArrayList<>();
    for (ComponentHealth h : parts(log, guard)) {
      h.fault().ifPresent(f -> faults.add(f.fatal()
          ? f.component() + " STOPPED since " + f.since() + " (an operator must act; runbook:"
              + " docs/operations/recovery.md, \"When the log stops\"): " + f.summary()
          : f.component() + " failing since " + f.since() + ": " + f.summary()));
    }
    if (faults.isEmpty()) {
      x.text(200, "no-store", "ready\n");
    } else {
      // One line, like every error, but not cut short: each reason is capped already.
      x.text(503, "no-store", Exchange.oneLine("not ready: " + String.join("; ", faults), 2000)
          + "\n");
    }
  }

  void metrics(Exchange x) throws IOException {
    x.send(200, log.metrics().contentType(), "no-store", log.metrics().scrape());
  }

  void home(Exchange x) {
    Publisher.Published p = log.publisher().latest();
    String origin = escape(log.keys().origin());
    StringBuilder keys = new StringBuilder();
    for (String k : log.keys().verifierKeys()) {
      keys.append("<li><code>").append(escape(k)).append("</code></li>\n");
    }
    String html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Cairn log %s</title>
        <style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}
        code{word-break:break-all}</style></head><body>
        <h1>Cairn transparency log</h1>
        <p>Origin <code>%s</code> &middot; %d entries in the latest checkpoint,
        published %s.</p>
        <h2>Verifier keys</h2><ul>
        %s</ul>
        <h2>API</h2><ul>
        <li><a href="/checkpoint">/checkpoint</a> &mdash; the latest signed checkpoint</li>
        <li><code>/tile/&lt;L&gt;/&lt;N&gt;[.p/&lt;W&gt;]</code>,
          <code>/tile/entries/&lt;N&gt;[.p/&lt;W&gt;]</code> &mdash; C2SP tlog-tiles</li>
        <li><code>POST /add</code>, <code>POST /add-batch</code> &mdash; submit entries</li>
        <li><code>/proof/inclusion?index=I</code>, <code>/proof/consistency?old=M&amp;new=N</code>
          &mdash; proofs</li>
        <li><a href="/checkpoints">/checkpoints</a> &mdash; every published checkpoint</li>
        <li><a href="/metrics">/metrics</a>, <a href="/healthz">/healthz</a>,
          <a href="/readyz">/readyz</a></li>
        </ul></body></html>
        """.formatted(origin, origin, p.checkpoint().size(), p.time(), keys);
    x.send(200, "text/html; charset=utf-8", "no-cache", html.getBytes(StandardCharsets.UTF_8));
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
