package dev.cairn.cli.settings;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * The resolved settings of one role: each setting's typed value, the text it was parsed from and
 * where that text came from. Every value was valid when resolved; rules that relate two settings
 * belong to the role and report through {@link #invalid}.
 */
public final class SettingValues {
  /** A setting's value, its text as given, and where the text came from. */
  record Value(Setting<?> setting, Object value, String text, Source source) {}

  private final Map<String, Value> values;

  SettingValues(Map<String, Value> values) {
    this.values = Map.copyOf(values);
  }

  /** The value of {@code setting}. */
  @SuppressWarnings("unchecked") // SettingSet.resolve stored what setting.type() parsed
  public <T> T get(Setting<T> setting) {
    return (T) value(setting).value();
  }

  /** Where the value of {@code setting} came from. */
  public Source source(Setting<?> setting) {
    return value(setting).source();
  }

  /**
   * An exception saying why the value of {@code setting} cannot be used, naming the text and
   * its source: {@code invalid pool_limit "x" from environment variable CAIRN_POOL_LIMIT: why}.
   */
  public SettingsException invalid(Setting<?> setting, String why) {
    Value v = value(setting);
    return invalid(setting.key(), v.text(), v.source(), why);
  }

  static SettingsException invalid(String key, String text, Source source, String why) {
    return new SettingsException("invalid " + key + " \"" + text + "\" from " + source + ": "
        + why);
  }

  /**
   * Each setting by key, as {@code text (source)}, for {@code GET /admin/config}. A setting
   * must therefore never hold a secret itself, only the path of a file holding it.
   */
  public Map<String, String> describe() {
    Map<String, String> out = new TreeMap<>();
    values.forEach((k, v) -> out.put(k, v.text() + " (" + v.source() + ")"));
    return out;
  }

  /**
   * The SHA-256 (64 lowercase hex digits) of every setting's key and text, whatever their
   * source: the same settings give the same hash whether they come from a flag, the
   * environment or the file, and any change of one changes it (configuration drift shows in
   * {@code cairn_config_info}). No secret is in it, since no setting holds one (see {@link
   * #describe()}): passwords and keys are in files or environment variables that settings at
   * most name, and their contents are not hashed.
   */
  public String sha256() {
    StringBuilder lines = new StringBuilder();
    new TreeMap<>(values).forEach((k, v) -> lines.append(k).append('=')
        .append(v.text().replace("\\", "\\\\").replace("\n", "\\n")).append('\n'));
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(lines.toString().getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  private Value value(Setting<?> setting) {
    Value v = values.get(setting.key());
    if (v == null || v.setting() != setting) {
      throw new IllegalArgumentException(setting.key() + " is not one of these settings");
    }
    return v;
  }
}
