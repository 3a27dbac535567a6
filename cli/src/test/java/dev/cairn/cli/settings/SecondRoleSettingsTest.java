package dev.cairn.cli.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/**
 * A second role's settings (shaped like a witness's, declared only here) go through the same
 * machinery as {@code cairn serve}'s: options generated for picocli, then resolved from the
 * parsed command line, the environment and a YAML file.
 */
class SecondRoleSettingsTest {
  static final Setting<Path> DATA = Setting.of("data", SettingType.path(),
      "./cairn-witness-data", "Where the witness keeps its state.").label("DIR");
  static final Setting<HostPort> LISTEN = Setting.of("listen", SettingType.hostPort(),
      "127.0.0.1:8081", "HOST:PORT to listen on.");
  static final SettingSet WITNESS = new SettingSet(List.of(DATA, LISTEN));

  /** A command with no option fields: its options come from {@link #WITNESS}. */
  @Command(name = "witness", modelTransformer = Witness.Options.class)
  static final class Witness implements Callable<Integer> {
    @CommandLine.Spec CommandSpec spec;
    Map<String, String> environment = Map.of();
    SettingValues resolved;

    static final class Options implements CommandLine.IModelTransformer {
      @Override
      public CommandSpec transform(CommandSpec spec) {
        return WITNESS.addOptionsTo(spec);
      }
    }

    @Override
    public Integer call() {
      resolved = WITNESS.resolve(spec, environment);
      return 0;
    }
  }

  @TempDir Path dir;

  private SettingValues run(Map<String, String> environment, String... args) {
    Witness w = new Witness();
    w.environment = environment;
    new CommandLine(w).parseArgs(args);
    assertThat(w.call()).isZero();
    return w.resolved;
  }

  @Test
  void itsOwnDefaults() {
    SettingValues v = run(Map.of());
    assertThat(v.get(DATA)).isEqualTo(Path.of("./cairn-witness-data"));
    assertThat(v.get(LISTEN)).isEqualTo(new HostPort("127.0.0.1", 8081));
    assertThat(v.describe()).containsExactly(
        Map.entry("data", "./cairn-witness-data (default)"),
        Map.entry("listen", "127.0.0.1:8081 (default)"));
  }

  @Test
  void fileEnvironmentAndFlagsThroughTheParsedCommandLine() throws IOException {
    Path f = dir.resolve("witness.yaml");
    Files.writeString(f, "schema_version: 1\ndata: /srv/witness\nlisten: 0.0.0.0:9000\n");
    SettingValues fileOnly = run(Map.of(), "--config", f.toString());
    assertThat(fileOnly.get(DATA)).isEqualTo(Path.of("/srv/witness"));
    assertThat(fileOnly.source(LISTEN)).isEqualTo(new Source.ConfigFile(f));

    SettingValues v = run(Map.of("CAIRN_LISTEN", "127.0.0.1:9001", "CAIRN_DATA", "/env"),
        "--config", f.toString(), "--data", "/flag");
    assertThat(v.get(DATA)).isEqualTo(Path.of("/flag"));
    assertThat(v.source(DATA)).isEqualTo(new Source.Flag("--data"));
    assertThat(v.get(LISTEN).port()).isEqualTo(9001);
    assertThat(v.source(LISTEN)).isEqualTo(new Source.Environment("CAIRN_LISTEN"));

    assertThatThrownBy(() -> run(Map.of(), "--listen=nowhere"))
        .isInstanceOf(SettingsException.class)
        .hasMessage("invalid listen \"nowhere\" from flag --listen: expected HOST:PORT, e.g."
            + " 127.0.0.1:8080");
    Files.writeString(f, "schema_version: 1\norigin: example.com/log\n");
    assertThatThrownBy(() -> run(Map.of(), "--config", f.toString()))
        .hasMessage(f + ": unknown setting \"origin\" (known: data, listen)");
  }

  @Test
  void helpComesFromTheDeclarations() {
    String usage = new CommandLine(new Witness()).getUsageMessage(CommandLine.Help.Ansi.OFF);
    assertThat(usage).contains("[--config=FILE] [--data=DIR] [--listen=HOST:PORT]")
        .containsPattern("--data=DIR +Where the witness keeps its state\\.\\s+Default:"
            + " \\./cairn-witness-data")
        .containsPattern("--listen=HOST:PORT +HOST:PORT to listen on\\.\\s+Default:"
            + " 127\\.0\\.0\\.1:8081")
        .contains("--config=FILE", "A YAML file of settings (schema_version: 1).");
    assertThat(new CommandLine(new Witness()).getCommandSpec().options())
        .extracting(o -> o.longestName())
        .containsExactlyInAnyOrder("--config", "--data", "--listen");
  }
}
