package dev.cairn.log.http;

import dev.cairn.log.ServedLog;
import dev.cairn.log.health.ComponentHealth;
import dev.cairn.log.publishing.CheckpointEndorser;
import dev.cairn.log.publishing.Publisher;
import dev.cairn.note.VerifierKey;
import dev.cairn.policy.Policy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Health, readiness, metrics and the home page. */
final class StatusRoutes {
  private final ServedLog log;
  private final WriteGuard guard;
  private final boolean ui;

  StatusRoutes(ServedLog log, WriteGuard guard, boolean ui) {
    this.ui = ui;
    this.log = log;
    this.guard = guard;
  }

  /** Each part that writes: the log's own, and the audit log when there is one. */
  static List<ComponentHealth> parts(ServedLog log, WriteGuard guard) {
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
    CheckpointEndorser.Readiness witnesses = log.endorser().readiness();
    if (!witnesses.ready()) {
      faults.add(witnesses.detail().orElse("the endorser refuses checkpoints"));
    }
    if (faults.isEmpty()) {
      x.text(200, "no-store", "ready\n"
          + witnesses.detail().map(d -> Exchange.oneLine(d, 2000) + "\n").orElse(""));
    } else {
      // One line, like every error, but not cut short: each reason is capped already.
      x.text(503, "no-store", Exchange.oneLine("not ready: " + String.join("; ", faults), 2000)
          + "\n");
    }
  }

  /**
   * {@code GET /policy}: the tlog-policy a client of this log should verify with: a {@code log}
   * line for each active key (with the log's URL if the witness policy gives one), then the
   * witness policy's witnesses, groups and quorum, or {@code quorum none} without one.
   */
  void policy(Exchange x) {
    x.send(200, "text/plain; charset=utf-8", "no-cache",
        policyText(log.keys().ring().signingOrder().stream()
            .map(e -> e.key()).toList(), log.endorser().policy())
            .getBytes(StandardCharsets.UTF_8));
  }

  /** The text of {@link #policy}, checked by the policy parser. */
  static String policyText(List<VerifierKey> activeKeys, Optional<Policy> witnesses) {
    Optional<String> url = witnesses.flatMap(p -> p.logs().stream()
        .flatMap(l -> l.url().stream()).findFirst());
    StringBuilder sb = new StringBuilder();
    for (VerifierKey k : activeKeys) {
      sb.append("log ").append(k.encode()).append(url.map(u -> " " + u).orElse("")).append('\n');
    }
    if (witnesses.isEmpty()) {
      sb.append("quorum none\n");
    } else {
      witnesses.get().format().lines().filter(l -> !l.startsWith("log "))
          .forEach(l -> sb.append(l).append('\n'));
    }
    String text = sb.toString();
    Policy.parse(text); // what is served must parse
    return text;
  }

  void metrics(Exchange x) throws IOException {
    x.send(200, log.metrics().contentType(), "no-store", log.metrics().scrape());
  }

  void home(Exchange x) {
    Publisher.Published p = log.checkpoints().latest();
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
        %s<h2>API</h2><ul>
        <li><a href="/checkpoint">/checkpoint</a> &mdash; the latest signed checkpoint</li>
        <li><code>/tile/&lt;L&gt;/&lt;N&gt;[.p/&lt;W&gt;]</code>,
          <code>/tile/entries/&lt;N&gt;[.p/&lt;W&gt;]</code> &mdash; C2SP tlog-tiles</li>
        <li><code>POST /add</code>, <code>POST /add-batch</code> &mdash; submit entries</li>
        <li><code>/proof/inclusion?index=I</code>, <code>/proof/consistency?old=M&amp;new=N</code>
          &mdash; proofs</li>
        <li><a href="/checkpoints">/checkpoints</a> &mdash; every published checkpoint</li>
        <li><a href="/policy">/policy</a> &mdash; the tlog-policy to verify this log's
          checkpoints with (its keys and witnesses)</li>
        <li><a href="/metrics">/metrics</a>, <a href="/healthz">/healthz</a>,
          <a href="/readyz">/readyz</a></li>
        </ul></body></html>
        """.formatted(origin, origin, p.checkpoint().size(), p.time(), keys, ui
            ? "<p><a href=\"/ui/\">Explore and verify the log in your browser</a></p>\n"
            : "");
    x.send(200, "text/html; charset=utf-8", "no-cache", html.getBytes(StandardCharsets.UTF_8));
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
