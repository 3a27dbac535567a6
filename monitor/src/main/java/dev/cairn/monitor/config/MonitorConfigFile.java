package dev.cairn.monitor.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cairn.monitor.config.MonitorConfig.Auth;
import dev.cairn.monitor.config.MonitorConfig.Delivery;
import dev.cairn.monitor.config.MonitorConfig.Retention;
import dev.cairn.monitor.config.MonitorConfig.Schedule;
import dev.cairn.monitor.report.Severity;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads {@code monitor.yaml}; {@code docs/monitor/monitor.example.yaml} shows and explains every
 * key. The file is at most {@value #MAX_SIZE} bytes of YAML holding one mapping. Reading is
 * strict: unknown keys (the nearest known key is suggested), duplicate keys, YAML aliases,
 * values of the wrong type (a duration written as a number, a number written as text) and
 * explicit nulls are refused, as are duplicate log, channel or watch rule names.
 *
 * <p>{@code schema_version} is required: a newer version than this build reads is refused, an
 * older one is migrated with a warning. Relative paths resolve against the file's directory.
 * Secrets come from {@code <key>_file} or {@code <key>_env}; a secret written in the file
 * itself is refused in prod and accepted with a warning otherwise. Prod also requires {@code
 * auth}.
 *
 * <p>Every error is a {@link ConfigException} naming the file and the key path, never a
 * secret.
 */
public final class MonitorConfigFile {
  /** The largest file read: 1 MiB. */
  public static final int MAX_SIZE = 1 << 20;

  /** The schema version this build writes and reads without migration. */
  public static final int SCHEMA_VERSION = Schema.CURRENT.current();

  private static final Duration MILLI = Duration.ofMillis(1);

  private MonitorConfigFile() {}

  /**
   * A configuration and the warnings reading it gave.
   *
   * @param config the configuration
   * @param warnings for a person, in file order, each starting with the file and the key path:
   *     an old schema version migrated, a secret written in the file, no {@code auth}...
   */
  public record Loaded(MonitorConfig config, List<String> warnings) {
    /** Copies the warnings. */
    public Loaded {
      warnings = List.copyOf(warnings);
    }
  }

  /**
   * Reads {@code file}, dropping any warnings ({@link #loadWithWarnings} returns them).
   *
   * @param env the environment that {@code *_env} keys read, usually {@link System#getenv()}
   * @param prod whether the prod profile's rules apply (no secrets in the file, auth required)
   * @throws ConfigException if the file cannot be read or used, naming the file and the key
   */
  public static MonitorConfig load(Path file, Map<String, String> env, boolean prod) {
    return loadWithWarnings(file, env, prod).config();
  }

  /**
   * Reads {@code file}.
   *
   * @param env the environment that {@code *_env} keys read, usually {@link System#getenv()}
   * @param prod whether the prod profile's rules apply (no secrets in the file, auth required)
   * @throws ConfigException if the file cannot be read or used, naming the file and the key
   */
  public static Loaded loadWithWarnings(Path file, Map<String, String> env, boolean prod) {
    return load(file, env, prod, Schema.CURRENT);
  }

  /** Reads {@code file} with the versions and migrations of {@code schema}: a test seam. */
  static Loaded load(Path file, Map<String, String> env, boolean prod, Schema schema) {
    String label = file.toString();
    byte[] bytes = read(file, label);
    List<String> warnings = new ArrayList<>();
    Path dir = file.toAbsolutePath().getParent();
    Context ctx = new Context(label, dir, Map.copyOf(env), prod, warnings);
    ObjectNode tree = YamlTree.read(bytes, label);
    schema.migrate(tree, ctx);
    Mapping root = new Mapping(ctx, "", tree);
    root.has("schema_version");
    MonitorConfig c = config(root, sha256(bytes));
    root.done();
    MonitorConfig withJson = new MonitorConfig(c.logs(), c.schedule(), c.stateDir(),
        c.retention(), c.channels(), c.delivery(), c.auth(), c.failOn(), c.listen(),
        c.otlpEndpoint(), c.hash(), RedactedJson.of(schema.current(), c));
    return new Loaded(withJson, warnings);
  }

  private static byte[] read(Path file, String label) {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_SIZE + 1);
    } catch (NoSuchFileException e) {
      throw new ConfigException(label + ": does not exist");
    } catch (IOException e) {
      throw new ConfigException(label + ": couldn't read: " + e.getMessage());
    }
    if (bytes.length > MAX_SIZE) {
      throw new ConfigException(label + ": larger than " + MAX_SIZE + " bytes (1 MiB)");
    }
    return bytes;
  }

  private static MonitorConfig config(Mapping root, String hash) {
    Context ctx = root.context();
    Path stateDir = ctx.resolve("state_dir", root.text("state_dir"));
    String listen = listen(root);
    Severity failOn = root.optionalText("fail_on").map(s -> {
      try {
        return Severity.of(s);
      } catch (IllegalArgumentException e) {
        throw root.error("fail_on", e.getMessage());
      }
    }).orElse(Severity.ERROR);
    Schedule schedule = schedule(root);
    Retention retention = retention(root);
    Optional<URI> otlp = root.optionalText("otlp_endpoint")
        .map(t -> LogTargets.url(root, "otlp_endpoint", t, false));
    Auth auth = auth(root);
    Delivery delivery = delivery(root);
    return new MonitorConfig(LogTargets.read(root), schedule, stateDir, retention,
        Channels.read(root), delivery, auth, failOn, listen, otlp, hash, "");
  }

  private static String listen(Mapping root) {
    String text = root.optionalText("listen").orElse("127.0.0.1:8081");
    int colon = text.lastIndexOf(':');
    String port = colon < 0 ? "" : text.substring(colon + 1);
    if (colon <= 0 || !port.matches("[0-9]{1,5}") || Integer.parseInt(port) > 65535) {
      throw root.error("listen", "\"" + text + "\" is not HOST:PORT (e.g. 127.0.0.1:8081,"
          + " [::1]:8081)");
    }
    return text;
  }

  private static Schedule schedule(Mapping root) {
    Optional<Mapping> m = root.optionalMapping("schedule");
    Duration interval = m.map(s -> s.duration("interval", Duration.ofMinutes(5),
        Duration.ofSeconds(1))).orElse(Duration.ofMinutes(5));
    Duration jitter = m.map(s -> s.duration("jitter", Duration.ofSeconds(30), Duration.ZERO))
        .orElse(Duration.ofSeconds(30));
    if (jitter.compareTo(interval) >= 0) {
      throw root.error("schedule.jitter", Durations.format(jitter) + " must be less than the"
          + " interval (" + Durations.format(interval) + ")");
    }
    m.ifPresent(Mapping::done);
    return new Schedule(interval, jitter);
  }

  private static Retention retention(Mapping root) {
    Optional<Mapping> m = root.optionalMapping("retention");
    Duration maxAge = m.map(r -> r.duration("max_age", Duration.ofDays(30),
        Duration.ofMinutes(1))).orElse(Duration.ofDays(30));
    int maxCount = m.map(r -> r.wholeNumber("max_count", 1000, 1, 10_000_000)).orElse(1000);
    m.ifPresent(Mapping::done);
    return new Retention(maxAge, maxCount);
  }

  private static Auth auth(Mapping root) {
    Optional<Mapping> m = root.optionalMapping("auth");
    if (m.isEmpty()) {
      if (root.context().prod()) {
        throw root.error("auth", "missing: prod needs auth (jwks, issuer, audience), or the API"
            + " is open to anyone who can reach " + root.optionalText("listen")
            .orElse("127.0.0.1:8081"));
      }
      root.context().warn("auth", "missing: the API is open to anyone who can reach it");
      return new Auth(Optional.empty(), Optional.empty(), Optional.empty());
    }
    Mapping a = m.get();
    String jwksText = a.text("jwks");
    String jwks = jwksText.startsWith("http://") || jwksText.startsWith("https://")
        ? LogTargets.url(a, "jwks", jwksText, false).toString()
        : a.context().resolve(a.pathOf("jwks"), jwksText).toString();
    Auth auth = new Auth(Optional.of(jwks), Optional.of(a.text("issuer")),
        Optional.of(a.text("audience")));
    a.done();
    return auth;
  }

  private static Delivery delivery(Mapping root) {
    Optional<Mapping> m = root.optionalMapping("delivery");
    Delivery defaults = new Delivery(8, Duration.ofSeconds(1), Duration.ofMinutes(5), 5,
        Duration.ofMinutes(1), Duration.ofSeconds(10));
    if (m.isEmpty()) {
      return defaults;
    }
    Mapping d = m.get();
    Delivery out = new Delivery(
        d.wholeNumber("attempts", defaults.attempts(), 1, 1000),
        d.duration("base_delay", defaults.baseDelay(), MILLI),
        d.duration("max_delay", defaults.maxDelay(), MILLI),
        d.wholeNumber("breaker_failures", defaults.breakerFailures(), 1, 1000),
        d.duration("breaker_cooldown", defaults.breakerCooldown(), MILLI),
        d.duration("timeout", defaults.timeout(), MILLI));
    if (out.maxDelay().compareTo(out.baseDelay()) < 0) {
      throw d.error("max_delay", Durations.format(out.maxDelay()) + " is less than base_delay ("
          + Durations.format(out.baseDelay()) + ")");
    }
    d.done();
    return out;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
