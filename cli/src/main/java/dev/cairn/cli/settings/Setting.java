package dev.cairn.cli.settings;

import java.util.Locale;
import java.util.Optional;

/**
 * One setting, declared once: its key ({@code pool_limit}), from which the flag ({@code
 * --pool-limit}) and the environment variable ({@code CAIRN_POOL_LIMIT}) derive; its type; its
 * default, written as a user would write it and parsed by the same type when declared, so a bad
 * default fails at once; and the help text {@code --help} shows.
 *
 * @param <T> the value's type
 */
public final class Setting<T> {
  private final String key;
  private final SettingType<T> type;
  private final String defaultText;
  private final String help;
  private final String label;

  private Setting(String key, SettingType<T> type, String defaultText, String help,
      String label) {
    if (!key.matches("[a-z][a-z0-9]*(_[a-z0-9]+)*")) {
      throw new IllegalArgumentException("a setting's key is lower_snake_case, got \"" + key
          + "\"");
    }
    this.key = key;
    this.type = type;
    this.defaultText = defaultText;
    this.help = help;
    this.label = label;
    try {
      type.parse(defaultText);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the default of " + key + ", \"" + defaultText
          + "\", is not valid: " + e.getMessage(), e);
    }
  }

  /** A setting that is {@code defaultText} unless given. */
  public static <T> Setting<T> of(String key, SettingType<T> type, String defaultText,
      String help) {
    return new Setting<>(key, type, defaultText, help, type.label());
  }

  /** A setting that has no value unless given (an empty text also means none). */
  public static <T> Setting<Optional<T>> optional(String key, SettingType<T> type, String help) {
    return new Setting<>(key, type.optional(), "", help, type.label());
  }

  /** This setting, shown in help with {@code label} for its value, e.g. {@code DIR}. */
  public Setting<T> label(String label) {
    return new Setting<>(key, type, defaultText, help, label);
  }

  /** This setting, with {@code help} for its help (a command where it means something else). */
  public Setting<T> help(String help) {
    return new Setting<>(key, type, defaultText, help, label);
  }

  /** The key in a YAML file and in messages, e.g. {@code pool_limit}. */
  public String key() {
    return key;
  }

  /** The command-line flag, e.g. {@code --pool-limit}. */
  public String flag() {
    return "--" + key.replace('_', '-');
  }

  /** The environment variable, e.g. {@code CAIRN_POOL_LIMIT}. */
  public String environmentVariable() {
    return "CAIRN_" + key.toUpperCase(Locale.ROOT);
  }

  /** The key with its flag, for messages that send the reader to another setting. */
  public String named() {
    return key + " (" + flag() + ")";
  }

  /** The default as written, empty for none. */
  public String defaultText() {
    return defaultText;
  }

  /** The help text: what the setting does, in a sentence or two. */
  public String help() {
    return help;
  }

  /** What help shows for the value, e.g. {@code N} or {@code HOST:PORT}. */
  public String label() {
    return label;
  }

  /** The type, which also says whether the flag may be given alone. */
  public SettingType<T> type() {
    return type;
  }

  @Override
  public String toString() {
    return key;
  }
}
