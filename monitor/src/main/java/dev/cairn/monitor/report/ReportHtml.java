package dev.cairn.monitor.report;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A {@link Report} as one self-contained HTML page for people: a table of the logs, then the
 * findings grouped by severity, most severe first, each with its rule, summary, what was observed
 * and expected, what it means, what to do, when it was first and last seen, its fingerprint and
 * its evidence verbatim in {@code <pre>}; then the fingerprints resolved.
 *
 * <p>The page is safe to serve from a report whose text came from a hostile log: every string of
 * the report is HTML-escaped ({@code & < > " '}), nothing of it becomes a tag, an attribute or a
 * link (URLs are shown as text), and the page has no scripts, no event handlers, no external
 * resources and only an inline style sheet. It is served with
 * {@code Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'}, which keeps it
 * inert even if escaping were ever missed; the page needs nothing that policy forbids.
 *
 * <p>Evidence starts on the line after {@code <pre>}: a browser drops that first newline, so
 * evidence that itself begins with one keeps it.
 *
 * <p>The output is deterministic (UTF-8, LF line ends, a trailing LF): equal reports render to
 * equal bytes. It names no time but the report's own.
 */
public final class ReportHtml {
  private static final String STYLE = """
      body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;padding:0 1em;\
      color:#1b1b1b;background:#fff}
      h1{font-size:1.5em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}
      table{border-collapse:collapse;margin:.5em 0}
      th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
      th{background:#f3f3f3}td.n{text-align:right}
      code,pre{font-family:ui-monospace,monospace;font-size:.92em}
      pre{background:#f6f6f6;border:1px solid #ddd;padding:.6em;white-space:pre-wrap;\
      overflow-wrap:anywhere}
      .finding{border-left:.4em solid #999;padding:.2em 1em;margin:1em 0;background:#fcfcfc}
      .finding dt{font-weight:600}.finding dd{margin:0 0 .4em 1.2em;white-space:pre-wrap}
      .critical{border-color:#b00020}.error{border-color:#d35400}
      .warning{border-color:#c9a400}.info{border-color:#2e6da4}
      .badge{display:inline-block;padding:0 .5em;border-radius:.3em;color:#fff;\
      background:#999;font-weight:600}
      .badge.critical{background:#b00020}.badge.error{background:#d35400}
      .badge.warning{background:#8a7000}.badge.info{background:#2e6da4}.badge.ok{background:#2e7d32}
      """;

  private ReportHtml() {}

  /** The page for {@code report}, in UTF-8. */
  public static byte[] render(Report report) {
    StringBuilder h = new StringBuilder(8192);
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>Cairn monitor report ").append(escape(report.runId()))
        .append("</title>\n<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n");
    h.append("<h1>Cairn monitor report <code>").append(escape(report.runId()))
        .append("</code></h1>\n");
    verdict(h, report);
    h.append("<table>\n");
    row(h, "Started", report.started().toString());
    row(h, "Finished", report.finished().toString());
    row(h, "Configuration SHA-256", report.configHash());
    h.append("</table>\n");
    logs(h, report);
    findings(h, report);
    if (!report.resolved().isEmpty()) {
      h.append("<h2>Resolved</h2>\n<p>Open before this run, no longer found:</p>\n<ul>\n");
      for (String fp : report.resolved()) {
        h.append("<li><code>").append(escape(fp)).append("</code></li>\n");
      }
      h.append("</ul>\n");
    }
    h.append("</body>\n</html>\n");
    return h.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void verdict(StringBuilder h, Report report) {
    if (report.worst().isEmpty()) {
      h.append("<p><span class=\"badge ok\">ok</span> No findings.</p>\n");
      return;
    }
    Severity worst = report.worst().get();
    h.append("<p><span class=\"badge ").append(worst.id()).append("\">")
        .append(worst.id()).append("</span> ").append(report.findings().size())
        .append(report.findings().size() == 1 ? " finding:" : " findings:");
    String sep = " ";
    for (Severity s : ReportJson.MOST_SEVERE_FIRST) {
      long n = count(report.findings(), s);
      if (n > 0) {
        h.append(sep).append(n).append(' ').append(s.id());
        sep = ", ";
      }
    }
    h.append(".</p>\n");
  }

  private static void logs(StringBuilder h, Report report) {
    h.append("<h2>Logs</h2>\n<table>\n<thead><tr><th>Log</th><th>URL</th><th>Status</th>")
        .append("<th>Findings</th><th>Size</th><th>Previous size</th>")
        .append("<th>Entries replayed</th><th>Accepted</th><th>Root</th></tr></thead>\n")
        .append("<tbody>\n");
    for (LogResult l : report.logs()) {
      long findings = report.findings().stream().filter(f -> f.log().equals(l.name())).count();
      h.append("<tr><td>").append(escape(l.name()))
          .append("</td><td><code>").append(escape(l.url()))
          .append("</code></td><td>").append(escape(l.status()))
          .append("</td><td class=\"n\">").append(findings)
          .append("</td><td class=\"n\">").append(l.size().map(String::valueOf).orElse("–"))
          .append("</td><td class=\"n\">")
          .append(l.previousSize().map(String::valueOf).orElse("–"))
          .append("</td><td class=\"n\">").append(l.entriesReplayed())
          .append("</td><td>").append(l.accepted() ? "yes" : "no")
          .append("</td><td><code>").append(escape(l.root().orElse("–")))
          .append("</code></td></tr>\n");
    }
    h.append("</tbody>\n</table>\n");
  }

  private static void findings(StringBuilder h, Report report) {
    if (report.findings().isEmpty()) {
      return;
    }
    h.append("<h2>Findings</h2>\n");
    for (Severity s : ReportJson.MOST_SEVERE_FIRST) {
      List<Finding> these = report.findings().stream().filter(f -> f.severity() == s).toList();
      if (these.isEmpty()) {
        continue;
      }
      h.append("<section>\n<h3><span class=\"badge ").append(s.id()).append("\">")
          .append(s.id()).append("</span> ").append(these.size()).append("</h3>\n");
      for (Finding f : these) {
        finding(h, f);
      }
      h.append("</section>\n");
    }
  }

  private static void finding(StringBuilder h, Finding f) {
    h.append("<div class=\"finding ").append(f.severity().id()).append("\">\n")
        .append("<h4><code>").append(escape(f.rule().id())).append("</code> — ")
        .append(escape(f.log())).append("</h4>\n<p>").append(escape(f.summary()))
        .append("</p>\n<dl>\n");
    term(h, "Observed", escape(f.observed()));
    term(h, "Expected", escape(f.expected()));
    term(h, "What it means", escape(f.rule().consequence()));
    term(h, "What to do", escape(f.rule().remediation()));
    term(h, "First seen", escape(f.firstSeen().toString()));
    term(h, "Last seen", escape(f.lastSeen().toString()));
    term(h, "Fingerprint", "<code>" + escape(f.fingerprint()) + "</code>");
    h.append("</dl>\n");
    for (Evidence e : f.evidence()) {
      h.append("<h5>").append(escape(e.label())).append(" <small>(")
          .append(escape(e.kind())).append(")</small></h5>\n<pre>\n")
          .append(escape(e.content())).append("</pre>\n");
    }
    h.append("</div>\n");
  }

  private static void term(StringBuilder h, String term, String escapedValue) {
    h.append("<dt>").append(term).append("</dt><dd>").append(escapedValue).append("</dd>\n");
  }

  private static void row(StringBuilder h, String name, String value) {
    h.append("<tr><th>").append(name).append("</th><td><code>").append(escape(value))
        .append("</code></td></tr>\n");
  }

  private static long count(List<Finding> findings, Severity s) {
    return findings.stream().filter(f -> f.severity() == s).count();
  }

  /**
   * {@code s} as HTML text or attribute value: {@code & < > " '} become references, and control
   * characters, which HTML does not allow (and a browser would hide), their visible pictures:
   * U+0000 to U+001F but tab, line feed and carriage return become U+2400 to U+241F ("␀"), DEL
   * becomes "␡", and C1 controls become U+FFFD.
   */
  static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        case '\t', '\n', '\r' -> b.append(c);
        case '\u007f' -> b.append('\u2421');
        default -> {
          if (c < 0x20) {
            b.append((char) (0x2400 + c));
          } else if (c >= 0x80 && c < 0xa0) {
            b.append('\ufffd');
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.toString();
  }
}
