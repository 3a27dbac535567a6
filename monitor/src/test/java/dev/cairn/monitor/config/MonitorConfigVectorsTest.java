package dev.cairn.monitor.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The negative vectors in {@code src/test/resources/config/bad}: each starts with a line {@code #
 * expect: <text>}, and loading it must fail with a message that starts with the file and
 * contains that text ({@code {config}} standing for the vectors' directory).
 */
class MonitorConfigVectorsTest {
  static Stream<Path> badVectors() throws IOException {
    try (Stream<Path> files = Files.list(ConfigFixtures.vectors().resolve("bad"))) {
      return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badVectors")
  void refusedNamingTheKey(Path vector) throws IOException {
    String first = Files.readAllLines(vector).getFirst();
    assertThat(first).startsWith("# expect: ");
    String expected = first.substring("# expect: ".length())
        .replace("{config}", ConfigFixtures.vectors().toString());

    assertThatThrownBy(() -> MonitorConfigFile.load(vector, ConfigFixtures.ENV, false))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(vector + ": ")
        .hasMessageContaining(expected);
  }

  @Test
  void thereAreVectorsForEveryKindOfRefusal() throws IOException {
    List<String> names = badVectors().map(p -> p.getFileName().toString()).toList();

    assertThat(names).hasSizeGreaterThan(50).contains("unknown-key-suggested.yaml",
        "duplicate-key.yaml", "wrong-type-bool.yaml", "bad-duration.yaml", "bad-url-scheme.yaml",
        "keys-and-policy-file.yaml", "witness-not-in-policy-file.yaml",
        "duplicate-log-name.yaml", "duplicate-channel-name.yaml", "missing-secret-file.yaml",
        "unset-env.yaml", "newer-schema.yaml", "missing-schema-version.yaml");
  }
}
