package dev.cairn.cli.settings;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The settings of one role, and the one place they are resolved. Each value comes from, lowest
 * precedence first: the declared default, the YAML file given with {@code --config} (see {@link
 * YamlFile}), the setting's {@code CAIRN_*} environment variable, its flag. Only the text that
 * wins is parsed, so a bad value that is overridden is no error.
 */
public final class SettingSet {
  /** The flag naming the YAML file of settings. */
  public static final String CONFIG_FLAG = "--config";

  private final List<Setting<?>> settings;
  private final List<String> keys;

  /** The settings {@code settings}, in the order help and errors list them. */
  public SettingSet(List<Setting<?>> settings) {
    Map<String, Setting<?>> byKey = new LinkedHashMap<>();
    for (Setting<?> s : settings) {
      if (byKey.put(s.key(), s) != null) {
        throw new IllegalArgumentException("two settings have the key " + s.key());
      }
    }
    this.settings = List.copyOf(settings);
    this.keys = List.copyOf(byKey.keySet());
  }

  /** The settings, in declaration order. */
  public List<Setting<?>> settings() {
    return settings;
  }

  /** The keys, in declaration order. */
  public List<String> keys() {
    return keys;
  }

  /**
   * Resolves every setting from {@code file}, {@code environment} and {@code flags} (the texts
   * given on the command line, by key) over the defaults, parsing each winning text.
   *
   * @throws SettingsException for a bad file or the first bad value, in declaration order
   */
  public SettingValues resolve(Optional<Path> file, Map<String, String> environment,
      Map<String, String> flags) {
    for (String key : flags.keySet()) {
      if (!keys.contains(key)) {
        throw new IllegalArgumentException("no setting has the key " + key);
      }
    }
    Map<String, String> fromFile = file.map(f -> YamlFile.read(f, keys)).orElse(Map.of());
    Map<String, SettingValues.Value> values = new LinkedHashMap<>();
    for (Setting<?> s : settings) {
      String text = s.defaultText();
      Source source = new Source.Default();
      if (fromFile.containsKey(s.key())) {
        text = fromFile.get(s.key());
        source = new Source.ConfigFile(file.orElseThrow());
      }
      if (environment.containsKey(s.environmentVariable())) {
        text = environment.get(s.environmentVariable());
        source = new Source.Environment(s.environmentVariable());
      }
      if (flags.containsKey(s.key())) {
        text = flags.get(s.key());
        source = new Source.Flag(s.flag());
      }
      Object value;
      try {
        value = s.type().parse(text);
      } catch (IllegalArgumentException e) {
        throw SettingValues.invalid(s.key(), text, source, e.getMessage());
      }
      values.put(s.key(), new SettingValues.Value(s, value, text, source));
    }
    return new SettingValues(values);
  }

  /**
   * Adds {@code --config} and one option per setting to {@code spec}, each described by its
   * help text and default, for {@link #resolve(CommandSpec, Map)} to read after parsing. Picocli
   * itself keeps no default, so a flag that was not given is told apart from one that was.
   */
  public CommandSpec addOptionsTo(CommandSpec spec) {
    spec.addOption(OptionSpec.builder(CONFIG_FLAG).type(Path.class).paramLabel("FILE")
        .description("A YAML file of settings (schema_version: 1).").build());
    for (Setting<?> s : settings) {
      List<String> description = new ArrayList<>(List.of(s.help()));
      if (!s.defaultText().isEmpty()) {
        description.add("Default: " + s.defaultText());
      }
      OptionSpec.Builder option = OptionSpec.builder(s.flag()).type(String.class)
          .paramLabel(s.label()).description(description.toArray(String[]::new));
      if (s.type().flagAlone()) {
        option.arity("0..1").fallbackValue("true");
      }
      spec.addOption(option.build());
    }
    return spec;
  }

  /**
   * Resolves every setting from the options {@link #addOptionsTo} added to {@code parsed}, after
   * picocli parsed the command line, and from {@code environment}.
   */
  public SettingValues resolve(CommandSpec parsed, Map<String, String> environment) {
    Map<String, String> flags = new LinkedHashMap<>();
    for (Setting<?> s : settings) {
      String text = option(parsed, s.flag()).getValue();
      if (text != null) {
        flags.put(s.key(), text);
      }
    }
    Path file = option(parsed, CONFIG_FLAG).getValue();
    return resolve(Optional.ofNullable(file), environment, flags);
  }

  private static OptionSpec option(CommandSpec spec, String flag) {
    OptionSpec o = spec.findOption(flag);
    if (o == null) {
      throw new IllegalStateException(spec.qualifiedName() + " has no option " + flag
          + ": add the settings' options with SettingSet.addOptionsTo");
    }
    return o;
  }
}
