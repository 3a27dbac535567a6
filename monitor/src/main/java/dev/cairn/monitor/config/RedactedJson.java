package dev.cairn.monitor.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.monitor.config.MonitorConfig.ChannelConfig;
import dev.cairn.monitor.config.MonitorConfig.LogTarget;
import dev.cairn.monitor.config.MonitorConfig.Smtp;
import dev.cairn.monitor.config.MonitorConfig.WatchRule;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The effective configuration as JSON, for admins: the keys of {@code monitor.yaml} with every
 * default filled in, paths resolved, durations in their shortest exact form, each log's trust
 * policy as its canonical text (lines), and every secret written as {@value #REDACTED}. Secrets
 * are never read here: the writer has no access to them, only to whether they are present.
 */
final class RedactedJson {
  /** What a secret is shown as. */
  static final String REDACTED = "<redacted>";

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT);

  private RedactedJson() {}

  /** {@code c} (whose {@code redacted} is ignored) as JSON. */
  static String of(int schemaVersion, MonitorConfig c) {
    ObjectNode root = JSON.createObjectNode();
    root.put("schema_version", schemaVersion);
    root.put("sha256", c.hash());
    root.put("state_dir", c.stateDir().toString());
    root.put("listen", c.listen());
    root.put("fail_on", c.failOn().id());
    ObjectNode schedule = root.putObject("schedule");
    duration(schedule, "interval", c.schedule().interval());
    duration(schedule, "jitter", c.schedule().jitter());
    ObjectNode retention = root.putObject("retention");
    duration(retention, "max_age", c.retention().maxAge());
    retention.put("max_count", c.retention().maxCount());
    c.otlpEndpoint().ifPresent(u -> root.put("otlp_endpoint", u.toString()));
    c.auth().jwks().ifPresent(jwks -> {
      ObjectNode auth = root.putObject("auth");
      auth.put("jwks", jwks);
      c.auth().issuer().ifPresent(i -> auth.put("issuer", i));
      c.auth().audience().ifPresent(a -> auth.put("audience", a));
    });
    ObjectNode delivery = root.putObject("delivery");
    delivery.put("attempts", c.delivery().attempts());
    duration(delivery, "base_delay", c.delivery().baseDelay());
    duration(delivery, "max_delay", c.delivery().maxDelay());
    delivery.put("breaker_failures", c.delivery().breakerFailures());
    duration(delivery, "breaker_cooldown", c.delivery().breakerCooldown());
    duration(delivery, "timeout", c.delivery().timeout());
    ArrayNode logs = root.putArray("logs");
    c.logs().forEach(l -> log(logs.addObject(), l));
    ArrayNode channels = root.putArray("channels");
    c.channels().forEach(ch -> channel(channels.addObject(), ch));
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void log(ObjectNode o, LogTarget l) {
    o.put("name", l.name());
    o.put("url", l.url().toString());
    ArrayNode policy = o.putArray("policy");
    l.policy().format().lines().forEach(policy::add);
    duration(o, "max_checkpoint_age", l.maxCheckpointAge());
    duration(o, "max_cosignature_age", l.maxCosignatureAge());
    o.put("required_cosignatures", l.requiredCosignatures());
    ObjectNode witnesses = o.putObject("witnesses");
    for (Map.Entry<String, URI> w : l.witnesses().entrySet()) {
      witnesses.put(w.getKey(), w.getValue().toString());
    }
    ArrayNode watch = o.putArray("watch");
    for (WatchRule r : l.watch()) {
      ObjectNode rule = watch.addObject().put("name", r.name());
      r.substring().ifPresent(s -> rule.put("substring", s));
      r.regex().ifPresent(p -> rule.put("regex", p.pattern()));
      r.sha256().ifPresent(h -> rule.put("sha256", h));
    }
  }

  private static void channel(ObjectNode o, ChannelConfig c) {
    o.put("name", c.name());
    o.put("type", c.type());
    o.put("min_severity", c.minSeverity().id());
    switch (c.type()) {
      case "webhook" -> {
        o.put("url", c.url().orElseThrow().toString());
        secret(o, "hmac_secret", c.hmacSecret());
      }
      case "slack" -> secret(o, "url", c.url());
      default -> c.smtp().ifPresent(s -> smtp(o.putObject("smtp"), s));
    }
  }

  private static void smtp(ObjectNode o, Smtp s) {
    o.put("host", s.host());
    o.put("port", s.port());
    o.put("starttls", s.startTls());
    s.username().ifPresent(u -> o.put("username", u));
    secret(o, "password", s.password());
    o.put("from", s.from());
    ArrayNode to = o.putArray("to");
    s.to().forEach(to::add);
    s.trustFile().ifPresent(t -> o.put("trust_file", t.toString()));
  }

  private static void secret(ObjectNode o, String key, Optional<?> value) {
    if (value.isPresent()) {
      o.put(key, REDACTED);
    }
  }

  private static void duration(ObjectNode o, String key, Duration d) {
    o.put(key, Durations.format(d));
  }
}
