package dev.cairn.monitor.report;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** The strict reading of {@link ReportJson}'s form; every error names its JSON path. */
final class ReportReader {
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  /** {@link Instant#toString()} for years 0000 to 9999: what the schema allows. */
  private static final Pattern INSTANT =
      Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{3}|\\.\\d{6}|\\.\\d{9})?Z");

  private static final Set<String> TOP = Set.of("schema_version", "run_id", "started",
      "finished", "config_hash", "summary", "logs", "findings", "resolved");
  private static final Set<String> SUMMARY = Set.of("critical", "error", "warning", "info",
      "worst");
  private static final Set<String> LOG = Set.of("name", "url", "status", "entries_replayed",
      "accepted");
  private static final Set<String> LOG_OPTIONAL = Set.of("size", "root", "previous_size");
  private static final Set<String> FINDING = Set.of("rule", "severity", "log", "summary",
      "observed", "expected", "evidence", "consequence", "remediation", "fingerprint",
      "first_seen", "last_seen");
  private static final Set<String> EVIDENCE = Set.of("kind", "label", "content");

  private ReportReader() {}

  static Report read(byte[] json) {
    if (json.length > ReportJson.MAX_BYTES) {
      throw new InvalidReportException(json.length + " bytes, more than the "
          + ReportJson.MAX_BYTES + " a report may take");
    }
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new InvalidReportException("not JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new InvalidReportException("not JSON: " + e.getMessage(), e);
    }
    if (root == null || root.isMissingNode()) {
      throw new InvalidReportException("empty");
    }
    fields(root, "report", TOP, Set.of());
    JsonNode version = root.get("schema_version");
    if (!version.isIntegralNumber() || !version.canConvertToInt()
        || version.intValue() != Report.SCHEMA_VERSION) {
      throw new InvalidReportException("schema_version " + version + " is not supported (this"
          + " monitor reads " + Report.SCHEMA_VERSION + ")");
    }
    String runId = matches("run_id", string(root, "run_id", ""), ReportJson.RUN_ID);
    Instant started = instant(root, "started", "");
    Instant finished = instant(root, "finished", "");
    String configHash = matches("config_hash", string(root, "config_hash", ""),
        ReportJson.SHA256_HEX);
    summary(root.get("summary"));
    List<LogResult> logs = new ArrayList<>();
    List<JsonNode> logNodes = array(root, "logs", "");
    for (int i = 0; i < logNodes.size(); i++) {
      logs.add(log(logNodes.get(i), "logs[" + i + "]"));
    }
    List<Finding> findings = new ArrayList<>();
    List<JsonNode> findingNodes = array(root, "findings", "");
    for (int i = 0; i < findingNodes.size(); i++) {
      findings.add(finding(findingNodes.get(i), "findings[" + i + "]"));
    }
    List<String> resolved = new ArrayList<>();
    List<JsonNode> resolvedNodes = array(root, "resolved", "");
    for (int i = 0; i < resolvedNodes.size(); i++) {
      String at = "resolved[" + i + "]";
      resolved.add(matches(at, text(resolvedNodes.get(i), at), ReportJson.FINGERPRINT));
    }
    return new Report(runId, started, finished, configHash, logs, findings, resolved);
  }

  /** The summary is derived from the findings: only its form is checked. */
  private static void summary(JsonNode n) {
    fields(n, "summary", SUMMARY, Set.of());
    for (Severity s : ReportJson.MOST_SEVERE_FIRST) {
      count(n.get(s.id()), "summary." + s.id());
    }
    JsonNode worst = n.get("worst");
    if (!worst.isNull()) {
      severity(text(worst, "summary.worst"), "summary.worst");
    }
  }

  private static LogResult log(JsonNode n, String at) {
    fields(n, at, LOG, LOG_OPTIONAL);
    String status = oneOf(at + ".status", string(n, "status", at), ReportJson.STATUSES);
    Optional<Long> size = n.has("size") ? Optional.of(count(n.get("size"), at + ".size"))
        : Optional.empty();
    Optional<String> root = n.has("root")
        ? Optional.of(matches(at + ".root", string(n, "root", at), ReportJson.ROOT))
        : Optional.empty();
    if (size.isPresent() != root.isPresent()) {
      throw new InvalidReportException(at + ": size and root must be both present or both"
          + " absent");
    }
    Optional<Long> previous = n.has("previous_size")
        ? Optional.of(count(n.get("previous_size"), at + ".previous_size"))
        : Optional.empty();
    JsonNode accepted = n.get("accepted");
    if (!accepted.isBoolean()) {
      throw new InvalidReportException(at + ".accepted: " + accepted.getNodeType()
          + " is not a boolean");
    }
    return new LogResult(string(n, "name", at), string(n, "url", at), status, size, root,
        previous, count(n.get("entries_replayed"), at + ".entries_replayed"),
        accepted.booleanValue());
  }

  private static Finding finding(JsonNode n, String at) {
    fields(n, at, FINDING, Set.of());
    Rule rule;
    String id = string(n, "rule", at);
    try {
      rule = Rule.of(id);
    } catch (IllegalArgumentException e) {
      throw new InvalidReportException(at + ".rule: unknown rule " + quote(id), e);
    }
    // Derived from the rule (and written again from it): only their form is checked.
    severity(string(n, "severity", at), at + ".severity");
    string(n, "consequence", at);
    string(n, "remediation", at);
    List<Evidence> evidence = new ArrayList<>();
    List<JsonNode> nodes = array(n, "evidence", at);
    for (int i = 0; i < nodes.size(); i++) {
      String e = at + ".evidence[" + i + "]";
      JsonNode en = nodes.get(i);
      fields(en, e, EVIDENCE, Set.of());
      evidence.add(new Evidence(string(en, "kind", e), string(en, "label", e),
          string(en, "content", e)));
    }
    return new Finding(rule, string(n, "log", at), string(n, "summary", at),
        string(n, "observed", at), string(n, "expected", at), evidence,
        matches(at + ".fingerprint", string(n, "fingerprint", at), ReportJson.FINGERPRINT),
        instant(n, "first_seen", at), instant(n, "last_seen", at));
  }

  /** Checks {@code n} is an object with every {@code required} key and no key but these. */
  private static void fields(JsonNode n, String at, Set<String> required,
      Set<String> optional) {
    if (!n.isObject()) {
      throw new InvalidReportException(at + ": " + n.getNodeType() + " is not an object");
    }
    for (Iterator<String> names = n.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!required.contains(name) && !optional.contains(name)) {
        throw new InvalidReportException(at + ": unknown field " + quote(name));
      }
    }
    for (String name : required.stream().sorted().toList()) {
      if (!n.has(name)) {
        throw new InvalidReportException(at + ": missing field " + quote(name));
      }
    }
  }

  private static String string(JsonNode parent, String name, String at) {
    return text(parent.get(name), path(at, name));
  }

  private static String text(JsonNode n, String at) {
    if (!n.isTextual()) {
      throw new InvalidReportException(at + ": " + n.getNodeType() + " is not a string");
    }
    return n.textValue();
  }

  private static List<JsonNode> array(JsonNode parent, String name, String at) {
    JsonNode n = parent.get(name);
    if (!n.isArray()) {
      throw new InvalidReportException(path(at, name) + ": " + n.getNodeType()
          + " is not an array");
    }
    List<JsonNode> items = new ArrayList<>();
    n.forEach(items::add);
    return items;
  }

  private static long count(JsonNode n, String at) {
    if (!n.isIntegralNumber() || !n.canConvertToLong()) {
      throw new InvalidReportException(at + ": " + n + " is not an integer");
    }
    return nonNegative(at, n.longValue());
  }

  private static Instant instant(JsonNode parent, String name, String at) {
    String path = path(at, name);
    String s = text(parent.get(name), path);
    try {
      if (INSTANT.matcher(s).matches()) {
        Instant i = Instant.parse(s);
        if (i.toString().equals(s)) {
          return i;
        }
      }
    } catch (DateTimeParseException e) {
      // fall through to the message below
    }
    throw new InvalidReportException(path + ": " + quote(s) + " is not an instant in UTC as"
        + " Instant.toString() writes it (2026-01-02T03:04:05Z)");
  }

  private static Severity severity(String id, String at) {
    try {
      return Severity.of(id);
    } catch (IllegalArgumentException e) {
      throw new InvalidReportException(at + ": " + e.getMessage(), e);
    }
  }

  /** The path of field {@code name} of the object at {@code at} ("" for the report). */
  private static String path(String at, String name) {
    return at.isEmpty() ? name : at + "." + name;
  }

  static String matches(String at, String value, Pattern p) {
    if (!p.matcher(value).matches()) {
      throw new InvalidReportException(at + ": " + quote(value) + " does not match "
          + p.pattern());
    }
    return value;
  }

  /** Checks {@code i} is written in the form the schema allows (a year of four digits). */
  static void instant(String at, Instant i) {
    if (!INSTANT.matcher(i.toString()).matches()) {
      throw new InvalidReportException(at + ": " + i + " is outside the years 0000 to 9999");
    }
  }

  static String oneOf(String at, String value, List<String> allowed) {
    if (!allowed.contains(value)) {
      throw new InvalidReportException(at + ": " + quote(value) + " is not one of " + allowed);
    }
    return value;
  }

  static long nonNegative(String at, long value) {
    if (value < 0) {
      throw new InvalidReportException(at + ": " + value + " is negative");
    }
    return value;
  }

  /** {@code s} in quotes, cut to 80 characters: a hostile value must not flood a log line. */
  static String quote(String s) {
    return "\"" + (s.length() > 80 ? s.substring(0, 80) + "…" : s) + "\"";
  }
}
