package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cairn.cli.settings.SettingSet;
import dev.cairn.cli.settings.SettingValues;
import dev.cairn.cli.settings.SettingsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code --config} YAML files of {@code cairn serve} and {@code cairn witness serve}: a file
 * is refused with a {@link SettingsException} (which the CLI prints) or resolves every setting,
 * each value parsed by its type. Any other exception (a stack trace for a typo) is a bug.
 */
class ConfigFuzzTest {
  @TempDir static Path dir;

  @FuzzTest(maxDuration = "2m")
  void serveConfig(byte[] data) throws IOException {
    resolve(ServeSettings.ALL, data);
  }

  @FuzzTest(maxDuration = "2m")
  void witnessConfig(byte[] data) throws IOException {
    resolve(WitnessSettings.ALL, data);
  }

  private static void resolve(SettingSet settings, byte[] data) throws IOException {
    Path file = dir.resolve("config.yaml");
    Files.write(file, data);
    SettingValues values;
    try {
      values = settings.resolve(Optional.of(file), Map.of(), Map.of());
    } catch (SettingsException e) {
      assertThat(e.getMessage()).isNotBlank();
      return;
    }
    assertThat(values.describe()).containsOnlyKeys(settings.keys());
    assertThat(values.sha256()).matches("[0-9a-f]{64}");
  }
}
