package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hash of {@code cairn serve}'s effective settings ({@code cairn_config_info}): the same for
 * the same settings wherever they come from, different when one changes, and blind to secrets.
 */
class ConfigHashTest {
  @TempDir Path dir;

  private static String hash(Optional<Path> file, Map<String, String> env,
      Map<String, String> flags) {
    return ServeSettings.resolve(file, env, flags).configHash();
  }

  @Test
  void stableForTheSameSettingsWhereverTheyComeFrom() throws IOException {
    String flags = hash(Optional.empty(), Map.of(), Map.of("checkpoint_interval", "2s",
        "listen", "127.0.0.1:9000"));
    assertThat(flags).matches("[0-9a-f]{64}")
        .isEqualTo(hash(Optional.empty(), Map.of(), Map.of("listen", "127.0.0.1:9000",
            "checkpoint_interval", "2s")));
    assertThat(hash(Optional.empty(), Map.of("CAIRN_CHECKPOINT_INTERVAL", "2s",
        "CAIRN_LISTEN", "127.0.0.1:9000"), Map.of())).isEqualTo(flags);
    Path yaml = dir.resolve("cairn.yaml");
    Files.writeString(yaml, """
        schema_version: 1
        checkpoint_interval: 2s
        listen: 127.0.0.1:9000
        """);
    assertThat(hash(Optional.of(yaml), Map.of(), Map.of())).isEqualTo(flags);
    // A default given explicitly is the same setting.
    assertThat(hash(Optional.empty(), Map.of(), Map.of("checkpoint_interval", "2s",
        "listen", "127.0.0.1:9000", "batch_size", "4096"))).isEqualTo(flags);
  }

  @Test
  void anyChangedSettingChangesIt() {
    String base = hash(Optional.empty(), Map.of(), Map.of());
    for (Map.Entry<String, String> changed : Map.of("checkpoint_interval", "2s",
        "pool_limit", "1000", "witness_timeout", "3s", "origin", "example.com/other",
        "log_format", "json").entrySet()) {
      assertThat(hash(Optional.empty(), Map.of(), Map.ofEntries(changed))).as(changed.getKey())
          .isNotEqualTo(base);
    }
  }

  @Test
  void secretsAreNotInIt() throws IOException {
    Path pin = dir.resolve("pin");
    Files.writeString(pin, "1234\n");
    Map<String, String> flags = Map.of("pkcs11_pin_file", pin.toString(),
        "postgres", "postgresql://db.example:5432/cairn?user=cairn");
    String before = hash(Optional.empty(), Map.of("PGPASSWORD", "hunter2",
        "AWS_SECRET_ACCESS_KEY", "s3cr3t"), flags);
    Files.writeString(pin, "987654\n");
    assertThat(hash(Optional.empty(), Map.of("PGPASSWORD", "other",
        "AWS_SECRET_ACCESS_KEY", "rotated", "CAIRN_POSTGRES_PASSWORD_FILE", "/run/pw"), flags))
        .as("the PIN file's content and the credentials in the environment")
        .isEqualTo(before);
  }
}
