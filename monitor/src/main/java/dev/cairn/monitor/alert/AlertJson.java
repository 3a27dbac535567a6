package dev.cairn.monitor.alert;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.monitor.report.Evidence;
import dev.cairn.monitor.report.Finding;
import dev.cairn.monitor.report.Rule;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * An alert's JSON form: the webhook's body, and how the outbox keeps a queued alert. Fields, in
 * this order: {@code id, event, rule, severity, log, summary, fingerprint, run_id, observed,
 * expected, first_seen, last_seen, evidence: [{kind, label, content}], consequence,
 * remediation}; times are ISO-8601 UTC ({@code 2025-01-02T03:04:05Z}); {@code severity},
 * {@code consequence} and {@code remediation} are the rule's.
 */
final class AlertJson {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private AlertJson() {}

  /** The alert as a JSON object, fields in the order above. */
  static ObjectNode tree(Alert alert) {
    Finding f = alert.finding();
    ObjectNode o = MAPPER.createObjectNode();
    o.put("id", alert.id());
    o.put("event", alert.event());
    o.put("rule", f.rule().id());
    o.put("severity", f.severity().id());
    o.put("log", f.log());
    o.put("summary", f.summary());
    o.put("fingerprint", f.fingerprint());
    o.put("run_id", alert.runId());
    o.put("observed", f.observed());
    o.put("expected", f.expected());
    o.put("first_seen", f.firstSeen().toString());
    o.put("last_seen", f.lastSeen().toString());
    ArrayNode evidence = o.putArray("evidence");
    for (Evidence e : f.evidence()) {
      evidence.addObject().put("kind", e.kind()).put("label", e.label())
          .put("content", e.content());
    }
    o.put("consequence", f.rule().consequence());
    o.put("remediation", f.rule().remediation());
    return o;
  }

  /** The alert's JSON, UTF-8, on one line. */
  static byte[] encode(Alert alert) {
    try {
      return MAPPER.writeValueAsBytes(tree(alert));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("an alert always encodes", e);
    }
  }

  /**
   * The alert {@code o} holds.
   *
   * @throws IOException if a field is missing or wrong, or the ID is not the alert's
   */
  static Alert decode(JsonNode o) throws IOException {
    try {
      List<Evidence> evidence = new ArrayList<>();
      for (JsonNode e : array(o, "evidence")) {
        evidence.add(new Evidence(text(e, "kind"), text(e, "label"), text(e, "content")));
      }
      Finding f = new Finding(Rule.of(text(o, "rule")), text(o, "log"), text(o, "summary"),
          text(o, "observed"), text(o, "expected"), evidence, text(o, "fingerprint"),
          Instant.parse(text(o, "first_seen")), Instant.parse(text(o, "last_seen")));
      Alert alert = new Alert(text(o, "event"), f, text(o, "run_id"));
      if (!alert.id().equals(text(o, "id"))) {
        throw new IOException("alert id " + text(o, "id") + " is not its fingerprint and event");
      }
      return alert;
    } catch (IllegalArgumentException | DateTimeParseException e) {
      throw new IOException("not an alert: " + e.getMessage(), e);
    }
  }

  static String text(JsonNode o, String field) throws IOException {
    JsonNode v = o.get(field);
    if (v == null || !v.isTextual()) {
      throw new IOException("field \"" + field + "\" is missing or not a string");
    }
    return v.textValue();
  }

  private static JsonNode array(JsonNode o, String field) throws IOException {
    JsonNode v = o.get(field);
    if (v == null || !v.isArray()) {
      throw new IOException("field \"" + field + "\" is missing or not an array");
    }
    return v;
  }
}
