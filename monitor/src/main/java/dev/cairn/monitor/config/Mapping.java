package dev.cairn.monitor.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One YAML mapping being read, at a key path. Each accessor checks the value's type and records
 * its key as known; {@link #done()} then refuses every key nobody asked for, suggesting the
 * nearest known one. An explicit null ({@code key:} with nothing after it) is refused rather than
 * taken as absent, so that a half-edited line is not silently ignored.
 */
final class Mapping {
  private final Context ctx;
  private final String path;
  private final ObjectNode node;
  private final Set<String> known = new LinkedHashSet<>();

  Mapping(Context ctx, String path, ObjectNode node) {
    this.ctx = ctx;
    this.path = path;
    this.node = node;
  }

  /** The path of {@code key} under {@code parent}. */
  static String child(String parent, String key) {
    return parent.isEmpty() ? key : parent + "." + key;
  }

  /** The path of item {@code i} (from 0) of the sequence at {@code parent}. */
  static String index(String parent, int i) {
    return parent + "[" + i + "]";
  }

  Context context() {
    return ctx;
  }

  /** This mapping's key path ({@code ""} at the root). */
  String path() {
    return path;
  }

  /** The path of {@code key} in this mapping. */
  String pathOf(String key) {
    return child(path, key);
  }

  /** An error about {@code key} in this mapping. */
  ConfigException error(String key, String message) {
    return ctx.error(pathOf(key), message);
  }

  /** Whether {@code key} is present; records it as known. */
  boolean has(String key) {
    known.add(key);
    return node.has(key);
  }

  private Optional<JsonNode> get(String key) {
    if (!has(key)) {
      return Optional.empty();
    }
    JsonNode v = node.get(key);
    if (v.isNull()) {
      throw error(key, "has no value (give one, or remove the key)");
    }
    return Optional.of(v);
  }

  private JsonNode required(String key) {
    return get(key).orElseThrow(() -> ctx.error(path, "\"" + key + "\" is missing"
        + misspelling(key).map(k -> " (is \"" + k + "\" a misspelling of it?)").orElse("")));
  }

  /** The key present here that is not {@code known} but close to it, if any. */
  private Optional<String> misspelling(String key) {
    return keys().stream()
        .filter(k -> !k.equals(key) && close(key, k))
        .min(Comparator.comparingInt(k -> Spelling.distance(k, key)));
  }

  private static boolean close(String known, String given) {
    return Spelling.distance(known, given) <= Math.max(1, Math.min(known.length(), 8) / 3);
  }

  /** The text at {@code key}; the key must be present. */
  String text(String key) {
    return text(key, required(key));
  }

  /** The text at {@code key}, if present. */
  Optional<String> optionalText(String key) {
    return get(key).map(v -> text(key, v));
  }

  private String text(String key, JsonNode v) {
    if (!v.isTextual()) {
      throw error(key, "expected text, got " + describe(v) + " (quote it if it is meant as text)");
    }
    if (v.textValue().isBlank()) {
      throw error(key, "is empty");
    }
    return v.textValue();
  }

  /**
   * The text at {@code key}, if present, refused without describing the value: for secrets,
   * which an error message must not show even when they are numbers.
   */
  Optional<String> optionalSecretText(String key) {
    return get(key).map(v -> {
      if (!v.isTextual() || v.textValue().isEmpty()) {
        throw error(key, "expected text (not shown: it is a secret)");
      }
      return v.textValue();
    });
  }

  /** The whole number at {@code key} from {@code min} to {@code max}, or {@code otherwise}. */
  int wholeNumber(String key, int otherwise, int min, int max) {
    Optional<JsonNode> v = get(key);
    if (v.isEmpty()) {
      return otherwise;
    }
    if (!v.get().isIntegralNumber()) {
      throw error(key, "expected a whole number, got " + describe(v.get()));
    }
    if (!v.get().canConvertToInt() || v.get().intValue() < min || v.get().intValue() > max) {
      throw error(key, v.get().asText() + " is out of range (" + min + " to " + max + ")");
    }
    return v.get().intValue();
  }

  /** The boolean at {@code key}, or {@code otherwise}. */
  boolean bool(String key, boolean otherwise) {
    Optional<JsonNode> v = get(key);
    if (v.isPresent() && !v.get().isBoolean()) {
      throw error(key, "expected true or false, got " + describe(v.get()));
    }
    return v.map(JsonNode::booleanValue).orElse(otherwise);
  }

  /** The duration at {@code key}, at least {@code min}; the key must be present. */
  Duration duration(String key, Duration min) {
    return duration(key, required(key), min);
  }

  /** The duration at {@code key}, at least {@code min}, or {@code otherwise}. */
  Duration duration(String key, Duration otherwise, Duration min) {
    return get(key).map(v -> duration(key, v, min)).orElse(otherwise);
  }

  /** The duration at {@code key}, at least {@code min}, if present. */
  Optional<Duration> optionalDuration(String key, Duration min) {
    return get(key).map(v -> duration(key, v, min));
  }

  private Duration duration(String key, JsonNode v, Duration min) {
    if (!v.isTextual()) {
      throw error(key, "expected a duration with a unit (" + Durations.EXAMPLES + "), got "
          + describe(v));
    }
    Duration d = Durations.parse(v.textValue()).orElseThrow(() -> error(key, "\""
        + v.textValue() + "\" is not a duration (" + Durations.EXAMPLES + ")"));
    if (d.compareTo(min) < 0) {
      throw error(key, v.textValue() + " is too short (at least " + Durations.format(min) + ")");
    }
    return d;
  }

  /** The mapping at {@code key}, if present. */
  Optional<Mapping> optionalMapping(String key) {
    return get(key).map(v -> {
      if (!(v instanceof ObjectNode o)) {
        throw error(key, "expected a mapping, got " + describe(v));
      }
      return new Mapping(ctx, pathOf(key), o);
    });
  }

  /** The items of the sequence at {@code key}, each a mapping; empty if absent. */
  List<Mapping> mappings(String key) {
    List<Mapping> out = new ArrayList<>();
    List<JsonNode> items = sequence(key);
    for (int i = 0; i < items.size(); i++) {
      if (!(items.get(i) instanceof ObjectNode o)) {
        throw ctx.error(index(pathOf(key), i), "expected a mapping, got "
            + describe(items.get(i)));
      }
      out.add(new Mapping(ctx, index(pathOf(key), i), o));
    }
    return out;
  }

  /** The items of the sequence at {@code key}, each text; empty if absent. */
  List<String> texts(String key) {
    List<String> out = new ArrayList<>();
    List<JsonNode> items = sequence(key);
    for (int i = 0; i < items.size(); i++) {
      JsonNode v = items.get(i);
      if (!v.isTextual() || v.textValue().isBlank()) {
        throw ctx.error(index(pathOf(key), i), "expected text, got " + describe(v));
      }
      out.add(v.textValue());
    }
    return out;
  }

  private List<JsonNode> sequence(String key) {
    Optional<JsonNode> v = get(key);
    if (v.isPresent() && !v.get().isArray()) {
      throw error(key, "expected a sequence, got " + describe(v.get()));
    }
    List<JsonNode> out = new ArrayList<>();
    v.ifPresent(a -> a.forEach(out::add));
    return out;
  }

  /** The entries of the mapping at {@code key}, values as text; empty if absent. */
  Map<String, String> textMap(String key) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    optionalMapping(key).ifPresent(m -> {
      for (Map.Entry<String, JsonNode> e : m.node.properties()) {
        out.put(e.getKey(), m.text(e.getKey()));
      }
    });
    return out;
  }

  /**
   * Refuses the keys no accessor asked for, naming the first and suggesting the nearest known
   * key when one is close.
   */
  void done() {
    for (String key : keys()) {
      if (!known.contains(key)) {
        Optional<String> near = known.stream()
            .filter(k -> close(k, key))
            .min(Comparator.comparingInt(k -> Spelling.distance(k, key)));
        throw error(key, "unknown key" + near.map(k -> "; did you mean \"" + k + "\"?")
            .orElse(" (known here: " + String.join(", ", known) + ")"));
      }
    }
  }

  private List<String> keys() {
    return node.properties().stream().map(Map.Entry::getKey).toList();
  }

  private static String describe(JsonNode v) {
    if (v.isTextual()) {
      return "text";
    }
    if (v.isNumber()) {
      return "the number " + v.asText();
    }
    if (v.isBoolean()) {
      return v.asText();
    }
    if (v.isArray()) {
      return "a sequence";
    }
    return v.isObject() ? "a mapping" : "null";
  }
}
