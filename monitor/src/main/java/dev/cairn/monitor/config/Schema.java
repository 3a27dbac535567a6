package dev.cairn.monitor.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.function.Consumer;

/**
 * The schema versions of {@code monitor.yaml} this build reads: the first one released, and one
 * migration step from each version to the next, ending at the current version. A file written
 * for an older version is migrated step by step, each step adding a warning that says what
 * changed; a file for a newer version is refused. To change the format, append a step to {@link
 * #CURRENT}'s list (the current version then grows by one), rewrite the reader for the new
 * shape, and update {@code docs/monitor/monitor.example.yaml}.
 *
 * @param first the first version ever released
 * @param steps step {@code i} migrates version {@code first + i} to {@code first + i + 1}
 */
record Schema(int first, List<Migration> steps) {
  /** The versions this build reads: 1 only, so far. */
  static final Schema CURRENT = new Schema(1, List.of());

  /** Copies the steps. */
  Schema {
    steps = List.copyOf(steps);
  }

  /** The version files are written in now. */
  int current() {
    return first + steps.size();
  }

  /**
   * Brings {@code root} to the current version, in place, and sets its {@code schema_version}.
   *
   * @throws ConfigException if the version is missing, not a whole number, never released or
   *     newer than this build
   */
  void migrate(ObjectNode root, Context ctx) {
    JsonNode v = root.get("schema_version");
    if (v == null || v.isNull()) {
      throw ctx.error("schema_version", "missing (this cairn writes " + current() + ")");
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw ctx.error("schema_version", "expected a whole number such as " + current()
          + ", got " + (v.isTextual() ? "text" : v.toString()));
    }
    int version = v.intValue();
    if (version > current()) {
      throw ctx.error("schema_version", version + ": the file was written for a newer cairn"
          + " (this one reads schema_version " + (first == current() ? "" : first + " to ")
          + current() + ")");
    }
    if (version < first) {
      throw ctx.error("schema_version", version + " was never released (the first is "
          + first + ")");
    }
    for (int n = version; n < current(); n++) {
      Migration step = steps.get(n - first);
      step.apply().accept(root);
      ctx.warn("schema_version", "read version " + n + " as " + (n + 1) + ": " + step.change()
          + "; update the file to schema_version " + current());
    }
    root.put("schema_version", current());
  }

  /**
   * One step from a version to the next.
   *
   * @param change what changed, for the warning: {@code "statedir" is now "state_dir"}
   * @param apply rewrites the tree of the older version into the newer one, in place
   */
  record Migration(String change, Consumer<ObjectNode> apply) {}
}
