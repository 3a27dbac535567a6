package dev.cairn.monitor.config;

import dev.cairn.monitor.config.MonitorConfig.LogTarget;
import dev.cairn.monitor.config.MonitorConfig.WatchRule;
import dev.cairn.note.VerifierKey;
import dev.cairn.policy.Policy;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Reads the {@code logs} sequence: each log's URL, trust policy, witnesses and watch rules. */
final class LogTargets {
  /** Names of logs, channels and watch rules: they appear in file names, metrics and URLs. */
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  private static final Duration MIN_AGE = Duration.ofSeconds(1);

  private LogTargets() {}

  /** The logs at {@code logs}, at least one, names unique. */
  static List<LogTarget> read(Mapping root) {
    List<Mapping> items = root.mappings("logs");
    if (items.isEmpty()) {
      throw root.error("logs", "at least one log is needed");
    }
    List<LogTarget> out = new ArrayList<>();
    Map<String, String> seen = new LinkedHashMap<>();
    for (Mapping m : items) {
      LogTarget t = log(m);
      unique(m, "name", t.name(), seen);
      out.add(t);
    }
    return out;
  }

  /** Refuses {@code name} if an earlier item had it; {@code seen} maps names to item paths. */
  static void unique(Mapping m, String key, String name, Map<String, String> seen) {
    String earlier = seen.putIfAbsent(name, m.path());
    if (earlier != null) {
      throw m.error(key, "\"" + name + "\" is already the name of " + earlier);
    }
  }

  /** The name at {@code key}, checked against {@link #NAME}. */
  static String name(Mapping m, String key) {
    String name = m.text(key);
    if (!NAME.matcher(name).matches()) {
      throw m.error(key, "\"" + name + "\" is not a name: 1 to 64 of A-Z a-z 0-9 . _ -,"
          + " starting with a letter or digit");
    }
    return name;
  }

  /** The URL at {@code key}; a prefix gets a trailing {@code /}. */
  /**
   * A log read from a local directory ({@code file:///path/}: a mirror, a backup, a log's
   * {@code tiles/}): an absolute path, no host, no query; made to end with {@code /}.
   */
  private static URI directory(Mapping m, String text) {
    URI u;
    try {
      u = new URI(text);
    } catch (java.net.URISyntaxException e) {
      throw m.error("url", "\"" + text + "\" is not a URL: " + e.getReason());
    }
    if (u.getRawAuthority() != null && !u.getRawAuthority().isEmpty()
        || u.getRawQuery() != null || u.getRawFragment() != null || u.getPath() == null
        || !u.getPath().startsWith("/")) {
      throw m.error("url", "\"" + text + "\" is not a directory: use file:///absolute/path/");
    }
    String path = u.getRawPath().endsWith("/") ? u.getRawPath() : u.getRawPath() + "/";
    return URI.create("file://" + path);
  }

  static URI url(Mapping m, String key, boolean prefix) {
    return url(m, key, m.text(key), prefix);
  }

  static URI url(Mapping m, String key, String text, boolean prefix) {
    Urls.Result r = Urls.parse(text, prefix);
    return r.url().orElseThrow(() -> m.error(key, "\"" + text + "\" " + r.refusal()));
  }

  private static LogTarget log(Mapping m) {
    String name = name(m, "name");
    String text = m.text("url");
    URI url = text.startsWith("file:") ? directory(m, text) : url(m, "url", text, true);
    Policy policy = policy(m);
    Duration maxCheckpointAge = m.duration("max_checkpoint_age", MIN_AGE);
    Duration maxCosignatureAge = m.duration("max_cosignature_age", maxCheckpointAge, MIN_AGE);
    int required = m.wholeNumber("required_cosignatures", 0, 0, Policy.MAX_ITEMS);
    if (required > policy.witnesses().size()) {
      throw m.error("required_cosignatures", required + " is more than the "
          + policy.witnesses().size() + " witnesses in the policy");
    }
    Map<String, URI> witnesses = new LinkedHashMap<>();
    for (Map.Entry<String, String> w : m.textMap("witnesses").entrySet()) {
      String key = "witnesses." + w.getKey();
      if (!policy.witnesses().containsKey(w.getKey())) {
        throw m.error(key, "\"" + w.getKey() + "\" is not a witness in the policy"
            + (policy.witnesses().isEmpty() ? " (it has none)"
                : " (" + String.join(", ", policy.witnesses().keySet()) + ")"));
      }
      witnesses.put(w.getKey(), url(m, key, w.getValue(), true));
    }
    List<WatchRule> watch = new ArrayList<>();
    Map<String, String> seen = new LinkedHashMap<>();
    for (Mapping r : m.mappings("watch")) {
      WatchRule rule = rule(r);
      unique(r, "name", rule.name(), seen);
      watch.add(rule);
    }
    m.done();
    return new LogTarget(name, url, policy, maxCheckpointAge, witnesses, required, watch,
        maxCosignatureAge);
  }

  private static Policy policy(Mapping m) {
    boolean hasKeys = m.has("keys");
    Optional<String> file = m.optionalText("policy_file");
    if (hasKeys == file.isPresent()) {
      throw m.error(hasKeys ? "policy_file" : "keys", hasKeys
          ? "give keys or policy_file, not both"
          : "missing: give keys (verifier keys) or policy_file (a tlog policy)");
    }
    if (file.isPresent()) {
      return policyFile(m, m.context().resolve(m.pathOf("policy_file"), file.get()));
    }
    List<String> texts = m.texts("keys");
    if (texts.isEmpty()) {
      throw m.error("keys", "at least one verifier key is needed");
    }
    List<VerifierKey> keys = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      String at = Mapping.index(m.pathOf("keys"), i);
      try {
        keys.add(VerifierKey.parse(texts.get(i).strip()));
      } catch (IllegalArgumentException e) {
        throw m.context().error(at, e.getMessage());
      }
      try {
        Policy.ofLogs(List.of(keys.getLast()));
      } catch (IllegalArgumentException e) {
        throw m.context().error(at, e.getMessage().replaceFirst("^policy line [0-9]+: ", ""));
      }
      for (int j = 0; j < i; j++) {
        if (keys.get(j).sameKeyAs(keys.get(i))) {
          throw m.context().error(at, "the same key as " + Mapping.index(m.pathOf("keys"), j));
        }
      }
    }
    return Policy.ofLogs(keys);
  }

  private static Policy policyFile(Mapping m, Path file) {
    byte[] text;
    try (InputStream in = Files.newInputStream(file)) {
      text = in.readNBytes(Policy.MAX_SIZE + 1);
    } catch (NoSuchFileException e) {
      throw m.error("policy_file", file + " does not exist");
    } catch (IOException e) {
      throw m.error("policy_file", "couldn't read " + file + ": " + e.getMessage());
    }
    Policy p;
    try {
      p = Policy.parse(text);
    } catch (IllegalArgumentException e) {
      throw m.error("policy_file", file + ": " + e.getMessage());
    }
    if (p.logs().isEmpty()) {
      throw m.error("policy_file", file + ": the policy has no log line (no key to verify"
          + " checkpoints with)");
    }
    return p;
  }

  private static WatchRule rule(Mapping r) {
    String name = name(r, "name");
    Optional<String> substring = r.optionalText("substring");
    Optional<String> regex = r.optionalText("regex");
    Optional<String> sha256 = r.optionalText("sha256");
    int given = (substring.isPresent() ? 1 : 0) + (regex.isPresent() ? 1 : 0)
        + (sha256.isPresent() ? 1 : 0);
    if (given != 1) {
      throw r.context().error(r.path(), "rule \"" + name + "\": give exactly one of substring,"
          + " regex and sha256" + (given == 0 ? "" : " (it has " + given + ")"));
    }
    Optional<Pattern> pattern = regex.map(text -> {
      try {
        return Pattern.compile(text);
      } catch (PatternSyntaxException e) {
        throw r.error("regex", "rule \"" + name + "\": not a valid regex: "
            + e.getDescription() + " near index " + e.getIndex());
      }
    });
    Optional<String> hash = sha256.map(h -> {
      if (!h.matches("[0-9a-fA-F]{64}")) {
        throw r.error("sha256", "rule \"" + name + "\": expected 64 hex digits (a SHA-256)");
      }
      return h.toLowerCase(Locale.ROOT);
    });
    r.done();
    return new WatchRule(name, substring, pattern, hash);
  }
}
