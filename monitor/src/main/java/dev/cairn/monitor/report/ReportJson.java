package dev.cairn.monitor.report;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The JSON form of a {@link Report}, version {@value Report#SCHEMA_VERSION}, described by the
 * JSON Schema {@code docs/monitor/report.schema.json}.
 *
 * <p>The encoding is canonical, so equal reports give the same bytes: UTF-8, fields in the order
 * below, two-space indentation, {@code "key": value}, {@code []} and {@code {}} for empty
 * containers, LF line ends and one trailing LF. Instants are {@link java.time.Instant#toString()}
 * (ISO-8601 in UTC); an empty {@code Optional} is left out.
 *
 * <pre>{@code
 * {
 *   "schema_version": 1,
 *   "run_id": "[A-Za-z0-9._-]{1,64}, not starting with a dot",
 *   "started": "2026-01-02T03:04:05Z",
 *   "finished": "...",
 *   "config_hash": "64 lowercase hex digits (SHA-256)",
 *   "summary": {"critical": 0, "error": 0, "warning": 0, "info": 0,
 *               "worst": "critical|error|warning|info" or null},
 *   "logs": [{"name", "url", "status": "ok|findings|unreachable", "size"?, "root"? (base64 of
 *             32 bytes; present with size), "previous_size"?, "entries_replayed", "accepted"}],
 *   "findings": [{"rule", "severity", "log", "summary", "observed", "expected",
 *                 "evidence": [{"kind", "label", "content"}], "consequence", "remediation",
 *                 "fingerprint" (32 lowercase hex digits), "first_seen", "last_seen"}],
 *   "resolved": ["fingerprint", ...]
 * }
 * }</pre>
 *
 * <p>{@link #read} is strict: a key that is missing, unknown or repeated, a value of the wrong
 * type or form, trailing data, or more than {@value #MAX_BYTES} bytes are refused with an {@link
 * InvalidReportException} naming the JSON path. The finding fields a {@link Rule} determines
 * ({@code severity}, {@code consequence}, {@code remediation}) and the {@code summary} are
 * derived: read checks their form only (a known severity, strings, counts) and they are written
 * again from the rule, so a report written before a rule's wording changed still reads. {@link
 * #write} refuses a report {@link #read} would refuse, so what is written can be read back, and
 * {@code write(read(write(r)))} equals {@code write(r)}.
 */
public final class ReportJson {
  /** The largest report read or written: 16 MiB. */
  public static final int MAX_BYTES = 16 << 20;

  /** What a run ID looks like: safe as a file name and in a URL path. */
  static final Pattern RUN_ID = Pattern.compile("(?!\\.)[A-Za-z0-9._-]{1,64}");
  static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
  static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{32}");
  static final Pattern ROOT = Pattern.compile("[A-Za-z0-9+/]{43}=");
  static final List<String> STATUSES = List.of("ok", "findings", "unreachable");
  /** The order of the counts in {@code summary}. */
  static final List<Severity> MOST_SEVERE_FIRST = List.of(Severity.CRITICAL, Severity.ERROR,
      Severity.WARNING, Severity.INFO);

  private static final JsonFactory FACTORY = new JsonFactory();
  private static final DefaultPrettyPrinter PRETTY;

  static {
    DefaultIndenter indent = new DefaultIndenter("  ", "\n");
    PRETTY = new DefaultPrettyPrinter(Separators.createDefaultInstance()
        .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
        .withObjectEmptySeparator("")
        .withArrayEmptySeparator(""));
    PRETTY.indentArraysWith(indent);
    PRETTY.indentObjectsWith(indent);
  }

  private ReportJson() {}

  /**
   * The canonical JSON of {@code report}.
   *
   * @throws InvalidReportException if a field is not of the form the schema requires (a run ID,
   *     hash, fingerprint, root or status), or the JSON would exceed {@value #MAX_BYTES} bytes
   */
  public static byte[] write(Report report) {
    check(report);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.setPrettyPrinter(PRETTY.createInstance());
      g.writeStartObject();
      g.writeNumberField("schema_version", Report.SCHEMA_VERSION);
      g.writeStringField("run_id", report.runId());
      g.writeStringField("started", report.started().toString());
      g.writeStringField("finished", report.finished().toString());
      g.writeStringField("config_hash", report.configHash());
      writeSummary(g, report);
      g.writeArrayFieldStart("logs");
      for (LogResult l : report.logs()) {
        writeLog(g, l);
      }
      g.writeEndArray();
      g.writeArrayFieldStart("findings");
      for (Finding f : report.findings()) {
        writeFinding(g, f);
      }
      g.writeEndArray();
      g.writeArrayFieldStart("resolved");
      for (String r : report.resolved()) {
        g.writeString(r);
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    out.write('\n');
    if (out.size() > MAX_BYTES) {
      throw new InvalidReportException("report " + report.runId() + " takes " + out.size()
          + " bytes in JSON, more than the " + MAX_BYTES + " a report may");
    }
    return out.toByteArray();
  }

  /**
   * The report {@code json} holds.
   *
   * @throws InvalidReportException naming what is wrong and where
   */
  public static Report read(byte[] json) {
    return ReportReader.read(json);
  }

  private static void writeSummary(JsonGenerator g, Report report) throws IOException {
    g.writeObjectFieldStart("summary");
    for (Severity s : MOST_SEVERE_FIRST) {
      g.writeNumberField(s.id(), report.findings().stream().filter(f -> f.severity() == s).count());
    }
    Optional<Severity> worst = report.worst();
    if (worst.isPresent()) {
      g.writeStringField("worst", worst.get().id());
    } else {
      g.writeNullField("worst");
    }
    g.writeEndObject();
  }

  private static void writeLog(JsonGenerator g, LogResult l) throws IOException {
    g.writeStartObject();
    g.writeStringField("name", l.name());
    g.writeStringField("url", l.url());
    g.writeStringField("status", l.status());
    if (l.size().isPresent()) {
      g.writeNumberField("size", l.size().get());
    }
    if (l.root().isPresent()) {
      g.writeStringField("root", l.root().get());
    }
    if (l.previousSize().isPresent()) {
      g.writeNumberField("previous_size", l.previousSize().get());
    }
    g.writeNumberField("entries_replayed", l.entriesReplayed());
    g.writeBooleanField("accepted", l.accepted());
    g.writeEndObject();
  }

  private static void writeFinding(JsonGenerator g, Finding f) throws IOException {
    g.writeStartObject();
    g.writeStringField("rule", f.rule().id());
    g.writeStringField("severity", f.severity().id());
    g.writeStringField("log", f.log());
    g.writeStringField("summary", f.summary());
    g.writeStringField("observed", f.observed());
    g.writeStringField("expected", f.expected());
    g.writeArrayFieldStart("evidence");
    for (Evidence e : f.evidence()) {
      g.writeStartObject();
      g.writeStringField("kind", e.kind());
      g.writeStringField("label", e.label());
      g.writeStringField("content", e.content());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeStringField("consequence", f.rule().consequence());
    g.writeStringField("remediation", f.rule().remediation());
    g.writeStringField("fingerprint", f.fingerprint());
    g.writeStringField("first_seen", f.firstSeen().toString());
    g.writeStringField("last_seen", f.lastSeen().toString());
    g.writeEndObject();
  }

  /** Refuses what {@link ReportReader} would refuse, with the same messages. */
  private static void check(Report r) {
    ReportReader.matches("run_id", r.runId(), RUN_ID);
    ReportReader.instant("started", r.started());
    ReportReader.instant("finished", r.finished());
    ReportReader.matches("config_hash", r.configHash(), SHA256_HEX);
    for (int i = 0; i < r.logs().size(); i++) {
      LogResult l = r.logs().get(i);
      String at = "logs[" + i + "]";
      ReportReader.oneOf(at + ".status", l.status(), STATUSES);
      if (l.size().isPresent() != l.root().isPresent()) {
        throw new InvalidReportException(at + ": size and root must be both present or both"
            + " absent");
      }
      l.root().ifPresent(root -> ReportReader.matches(at + ".root", root, ROOT));
      l.size().ifPresent(s -> ReportReader.nonNegative(at + ".size", s));
      l.previousSize().ifPresent(s -> ReportReader.nonNegative(at + ".previous_size", s));
      ReportReader.nonNegative(at + ".entries_replayed", l.entriesReplayed());
    }
    for (int i = 0; i < r.findings().size(); i++) {
      Finding f = r.findings().get(i);
      String at = "findings[" + i + "]";
      ReportReader.matches(at + ".fingerprint", f.fingerprint(), FINGERPRINT);
      ReportReader.instant(at + ".first_seen", f.firstSeen());
      ReportReader.instant(at + ".last_seen", f.lastSeen());
    }
    for (int i = 0; i < r.resolved().size(); i++) {
      ReportReader.matches("resolved[" + i + "]", r.resolved().get(i), FINGERPRINT);
    }
  }
}
