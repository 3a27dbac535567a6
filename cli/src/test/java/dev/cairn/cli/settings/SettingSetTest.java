package dev.cairn.cli.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resolution: defaults < YAML file < environment < flags, with each value's source kept for
 * messages and {@code describe()}; the file's own rules.
 */
class SettingSetTest {
  static final Setting<Duration> INTERVAL = Setting.of("interval", SettingType.duration(), "1s",
      "How often.");
  static final Setting<Integer> LIMIT = Setting.of("limit", SettingType.wholeNumber(), "100",
      "How many.");
  static final Setting<Boolean> STRICT = Setting.of("strict", SettingType.bool(), "false",
      "Whether to refuse.");
  static final Setting<Optional<Path>> KEY_FILE = Setting.optional("key_file",
      SettingType.path(), "A file.");
  static final SettingSet SET = new SettingSet(List.of(INTERVAL, LIMIT, STRICT, KEY_FILE));

  @TempDir Path dir;

  private Path yaml(String text) throws IOException {
    Path f = dir.resolve("settings.yaml");
    Files.writeString(f, text);
    return f;
  }

  @Test
  void defaultsWhenNothingIsGiven() {
    SettingValues v = SET.resolve(Optional.empty(), Map.of(), Map.of());
    assertThat(v.get(INTERVAL)).isEqualTo(Duration.ofSeconds(1));
    assertThat(v.get(LIMIT)).isEqualTo(100);
    assertThat(v.get(STRICT)).isFalse();
    assertThat(v.get(KEY_FILE)).isEmpty();
    assertThat(v.source(LIMIT)).isEqualTo(new Source.Default());
    assertThat(v.describe()).containsExactly(Map.entry("interval", "1s (default)"),
        Map.entry("key_file", " (default)"), Map.entry("limit", "100 (default)"),
        Map.entry("strict", "false (default)"));
  }

  @Test
  void eachLayerOverridesTheOneBelow() throws IOException {
    Path f = yaml("""
        schema_version: 1
        interval: 2s
        limit: 200
        strict: true
        key_file: /etc/file-key
        """);
    SettingValues v = SET.resolve(Optional.of(f),
        Map.of("CAIRN_LIMIT", "300", "CAIRN_KEY_FILE", "/etc/env-key", "LIMIT", "1",
            "cairn_strict", "false"),
        Map.of("key_file", "/etc/flag-key"));
    assertThat(v.get(INTERVAL)).isEqualTo(Duration.ofSeconds(2));
    assertThat(v.source(INTERVAL)).isEqualTo(new Source.ConfigFile(f));
    assertThat(v.get(STRICT)).as("YAML true, and no CAIRN_STRICT").isTrue();
    assertThat(v.get(LIMIT)).isEqualTo(300);
    assertThat(v.source(LIMIT)).isEqualTo(new Source.Environment("CAIRN_LIMIT"));
    assertThat(v.get(KEY_FILE)).contains(Path.of("/etc/flag-key"));
    assertThat(v.source(KEY_FILE)).isEqualTo(new Source.Flag("--key-file"));
    assertThat(v.describe()).containsEntry("interval", "2s (" + f + ")")
        .containsEntry("limit", "300 (environment variable CAIRN_LIMIT)")
        .containsEntry("key_file", "/etc/flag-key (flag --key-file)")
        .containsEntry("strict", "true (" + f + ")");
  }

  @Test
  void anEmptyTextClearsAnOptionalSettingGivenBelow() throws IOException {
    Path f = yaml("schema_version: 1\nkey_file: /etc/key\n");
    SettingValues v = SET.resolve(Optional.of(f), Map.of("CAIRN_KEY_FILE", ""), Map.of());
    assertThat(v.get(KEY_FILE)).isEmpty();
    assertThat(v.source(KEY_FILE)).isEqualTo(new Source.Environment("CAIRN_KEY_FILE"));
  }

  @Test
  void aBadValueIsNamedWithItsKeyTextAndSource() throws IOException {
    Path f = yaml("schema_version: 1\ninterval: 5 minutes\n");
    assertThatThrownBy(() -> SET.resolve(Optional.of(f), Map.of(), Map.of()))
        .isInstanceOf(SettingsException.class)
        .hasMessage("invalid interval \"5 minutes\" from " + f
            + ": expected a duration like 25ms, 1s or 2m");
    assertThatThrownBy(() -> SET.resolve(Optional.empty(), Map.of("CAIRN_LIMIT", "x"), Map.of()))
        .hasMessage("invalid limit \"x\" from environment variable CAIRN_LIMIT: expected a"
            + " positive whole number");
    assertThatThrownBy(() -> SET.resolve(Optional.empty(), Map.of(), Map.of("strict", "yes")))
        .hasMessage("invalid strict \"yes\" from flag --strict: expected true or false");
  }

  @Test
  void aBadValueThatIsOverriddenIsNoError() throws IOException {
    Path f = yaml("schema_version: 1\ninterval: forever\nlimit: lots\n");
    SettingValues v = SET.resolve(Optional.of(f), Map.of("CAIRN_LIMIT", "5"),
        Map.of("interval", "5ms"));
    assertThat(v.get(INTERVAL)).isEqualTo(Duration.ofMillis(5));
    assertThat(v.get(LIMIT)).isEqualTo(5);
  }

  @Test
  void rulesAcrossSettingsReportThroughTheSameMessage() {
    SettingValues v = SET.resolve(Optional.empty(), Map.of(), Map.of("limit", "7"));
    assertThat(v.invalid(LIMIT, "must be even")).hasMessage(
        "invalid limit \"7\" from flag --limit: must be even");
  }

  @Test
  void theFileMustSaySchemaVersionOne() throws IOException {
    assertFileError(yaml("limit: 5\n"), ": schema_version is missing (use 1)");
    assertFileError(yaml("schema_version: 2\nlimit: 5\n"),
        ": schema_version 2 is not supported (use 1)");
    assertFileError(yaml("schema_version: 1.0\n"),
        ": schema_version 1.0 is not supported (use 1)");
    assertThat(SET.resolve(Optional.of(yaml("schema_version: \"1\"\nlimit: 5\n")), Map.of(),
        Map.of()).get(LIMIT)).isEqualTo(5);
  }

  @Test
  void theFileHoldsOnlyKnownKeysWithSingleValues() throws IOException {
    assertFileError(yaml("schema_version: 1\nlimits: 5\n"),
        ": unknown setting \"limits\" (known: interval, limit, strict, key_file)");
    assertFileError(yaml("schema_version: 1\nlimit: [1, 2]\n"), ": limit must be a single value");
    assertFileError(yaml("schema_version: 1\nlimit:\n  max: 2\n"),
        ": limit must be a single value");
    assertFileError(yaml("schema_version: 1\nlimit:\n"), ": limit must be a single value");
    assertFileError(yaml("- schema_version\n- 1\n"), ": expected a mapping of settings");
  }

  @Test
  void anUnreadableFileSaysSo() throws IOException {
    Path missing = dir.resolve("missing.yaml");
    assertThatThrownBy(() -> SET.resolve(Optional.of(missing), Map.of(), Map.of()))
        .isInstanceOf(SettingsException.class)
        .hasMessageStartingWith("couldn't read config " + missing + ": ");
    Path broken = yaml("schema_version: 1\nlimit: \"unterminated\n");
    assertThatThrownBy(() -> SET.resolve(Optional.of(broken), Map.of(), Map.of()))
        .hasMessageStartingWith("couldn't read config " + broken + ": ");
  }

  @Test
  void misuseByTheCallingCodeIsAProgrammingError() {
    assertThatThrownBy(() -> new SettingSet(List.of(LIMIT, Setting.of("limit",
        SettingType.text(), "", "Another."))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("two settings");
    assertThatThrownBy(() -> SET.resolve(Optional.empty(), Map.of(), Map.of("limits", "1")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limits");
    SettingValues v = SET.resolve(Optional.empty(), Map.of(), Map.of());
    Setting<String> foreign = Setting.of("limit", SettingType.text(), "", "Not in the set.");
    assertThatThrownBy(() -> v.get(foreign)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not one of these settings");
  }

  private void assertFileError(Path f, String message) {
    assertThatThrownBy(() -> SET.resolve(Optional.of(f), Map.of(), Map.of()))
        .isInstanceOf(SettingsException.class).hasMessage(f + message);
  }
}
