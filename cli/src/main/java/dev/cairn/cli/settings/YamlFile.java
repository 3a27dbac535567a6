package dev.cairn.cli.settings;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A settings file: a YAML mapping that says {@code schema_version: 1} and otherwise holds only
 * known keys, each with a single scalar value (a string, number or boolean, taken as its text).
 */
final class YamlFile {
  private YamlFile() {}

  /** The settings in {@code file}, key to text, in the file's order. */
  static Map<String, String> read(Path file, List<String> known) {
    Map<?, ?> yaml;
    try {
      Object doc = new ObjectMapper(new YAMLFactory()).readValue(Files.readAllBytes(file),
          Object.class);
      if (!(doc instanceof Map<?, ?> m)) {
        throw new SettingsException(file + ": expected a mapping of settings");
      }
      yaml = m;
    } catch (IOException e) {
      throw new SettingsException("couldn't read config " + file + ": "
          + e.getMessage().lines().findFirst().orElse(""));
    }
    Object version = yaml.get("schema_version");
    if (version == null) {
      throw new SettingsException(file + ": schema_version is missing (use 1)");
    }
    if (!"1".equals(String.valueOf(version))) {
      throw new SettingsException(file + ": schema_version " + version
          + " is not supported (use 1)");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : yaml.entrySet()) {
      String key = String.valueOf(e.getKey());
      if (key.equals("schema_version")) {
        continue;
      }
      if (!known.contains(key)) {
        throw new SettingsException(file + ": unknown setting \"" + key + "\" (known: "
            + String.join(", ", known) + ")");
      }
      Object v = e.getValue();
      if (v instanceof Map || v instanceof List || v == null) {
        throw new SettingsException(file + ": " + key + " must be a single value");
      }
      out.put(key, String.valueOf(v));
    }
    return out;
  }
}
