package dev.cairn.monitor.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The migration mechanism, through the package-private seam, with test-only schemas: a version
 * 0 whose step to 1 renames {@code statedir}, and a version 2 that renames {@code listen}.
 */
class MonitorConfigSchemaTest {
  private static final Schema.Migration RENAME_STATE_DIR = new Schema.Migration(
      "\"statedir\" is now \"state_dir\"", tree -> rename(tree, "statedir", "state_dir"));
  private static final Schema.Migration RENAME_LISTEN = new Schema.Migration(
      "\"address\" is now \"listen\"", tree -> rename(tree, "address", "listen"));

  @TempDir
  Path dir;

  @Test
  void theCurrentSchemaIsVersionOneWithNoMigrations() {
    assertThat(MonitorConfigFile.SCHEMA_VERSION).isEqualTo(1);
    assertThat(Schema.CURRENT.first()).isEqualTo(1);
    assertThat(Schema.CURRENT.steps()).isEmpty();
  }

  @Test
  void anOlderFileIsMigratedStepByStepWithAWarningForEachStep() throws IOException {
    Schema schema = new Schema(0, List.of(RENAME_STATE_DIR, RENAME_LISTEN));
    Path file = write("schema_version: 0\nstatedir: old-state\naddress: 127.0.0.1:9000\n"
        + logs());

    MonitorConfigFile.Loaded loaded = MonitorConfigFile.load(file, Map.of(), false, schema);

    assertThat(loaded.config().stateDir()).isEqualTo(dir.resolve("old-state"));
    assertThat(loaded.config().listen()).isEqualTo("127.0.0.1:9000");
    assertThat(loaded.warnings()).startsWith(
        file + ": schema_version: read version 0 as 1: \"statedir\" is now \"state_dir\";"
            + " update the file to schema_version 2",
        file + ": schema_version: read version 1 as 2: \"address\" is now \"listen\";"
            + " update the file to schema_version 2");
    assertThat(loaded.config().redacted()).contains("\"schema_version\" : 2");
  }

  @Test
  void aMiddleVersionRunsOnlyTheLaterSteps() throws IOException {
    Schema schema = new Schema(0, List.of(RENAME_STATE_DIR, RENAME_LISTEN));
    Path file = write("schema_version: 1\nstate_dir: s\naddress: 127.0.0.1:9000\n" + logs());

    MonitorConfigFile.Loaded loaded = MonitorConfigFile.load(file, Map.of(), false, schema);

    assertThat(loaded.config().listen()).isEqualTo("127.0.0.1:9000");
    assertThat(loaded.warnings()).filteredOn(w -> w.contains("schema_version"))
        .containsExactly(file + ": schema_version: read version 1 as 2: \"address\" is now"
            + " \"listen\"; update the file to schema_version 2");
  }

  @Test
  void theCurrentVersionIsReadWithoutMigration() throws IOException {
    Schema schema = new Schema(0, List.of(RENAME_STATE_DIR));
    Path file = write("schema_version: 1\nstate_dir: s\n" + logs());

    MonitorConfigFile.Loaded loaded = MonitorConfigFile.load(file, Map.of(), false, schema);

    assertThat(loaded.warnings()).noneMatch(w -> w.contains("schema_version"));
  }

  @Test
  void aKeyOnlyAnOlderVersionHadIsUnknownInTheCurrentOne() throws IOException {
    Schema schema = new Schema(0, List.of(RENAME_STATE_DIR));
    Path file = write("schema_version: 1\nstate_dir: s\nstatedir: s\n" + logs());

    assertThatThrownBy(() -> MonitorConfigFile.load(file, Map.of(), false, schema))
        .isInstanceOf(ConfigException.class)
        .hasMessage(file + ": statedir: unknown key; did you mean \"state_dir\"?");
  }

  @Test
  void versionsOutsideTheRangeAreRefusedNamingBoth() throws IOException {
    Schema schema = new Schema(3, List.of(RENAME_STATE_DIR));
    Path newer = write("schema_version: 5\nstate_dir: s\n" + logs());
    Path older = write("schema_version: 2\nstate_dir: s\n" + logs());

    assertThatThrownBy(() -> MonitorConfigFile.load(newer, Map.of(), false, schema))
        .hasMessage(newer + ": schema_version: 5: the file was written for a newer cairn"
            + " (this one reads schema_version 3 to 4)");
    assertThatThrownBy(() -> MonitorConfigFile.load(older, Map.of(), false, schema))
        .hasMessage(older + ": schema_version: 2 was never released (the first is 3)");
  }

  private static void rename(ObjectNode tree, String from, String to) {
    JsonNode v = tree.remove(from);
    if (v != null) {
      tree.set(to, v);
    }
  }

  private Path write(String yaml) throws IOException {
    return Files.writeString(Files.createTempFile(dir, "monitor", ".yaml"), yaml);
  }

  private static String logs() {
    return "logs:\n  - { name: example, url: \"https://log.example/\", keys: [\""
        + ConfigFixtures.LOG_KEY + "\"], max_checkpoint_age: 1h }\n";
  }
}
