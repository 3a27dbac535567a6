package dev.cairn.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Runs Prometheus's own {@code promtool} on the rules in {@code deploy/prometheus}: they must
 * load ({@code check rules}) and pass their unit tests ({@code test rules}, the synthetic series
 * of {@code prometheus/tests/*.yml}). A failure shows promtool's output.
 */
class PromtoolTest {
  /** {@code promtool} from the PATH ({@code .ci/run} installs Debian's {@code prometheus}). */
  private static final String PROMTOOL = "promtool";

  @Test
  void rulesLoad() throws Exception {
    List<String> command = new ArrayList<>(List.of(PROMTOOL, "check", "rules"));
    ruleFiles().forEach(f -> command.add(f.toString()));
    Result r = run(command);
    assertThat(r.exit()).as("promtool check rules:%n%s", r.output()).isZero();
    assertThat(r.output()).contains("SUCCESS");
  }

  @Test
  void ruleUnitTestsPass() throws Exception {
    List<String> command = new ArrayList<>(List.of(PROMTOOL, "test", "rules"));
    List<Path> tests = ruleTests();
    assertThat(tests).as("promtool tests in %s", prometheus().resolve("tests")).isNotEmpty();
    tests.forEach(f -> command.add(f.toString()));
    Result r = run(command);
    assertThat(r.exit()).as("promtool test rules:%n%s", r.output()).isZero();
    assertThat(r.output()).doesNotContain("FAILED");
  }

  /** {@code deploy/prometheus}. */
  static Path prometheus() {
    return Path.of(System.getProperty("cairn.deploy.directory", ".")).resolve("prometheus");
  }

  /** The rule files: {@code deploy/prometheus/*.rules.yml}. */
  static List<Path> ruleFiles() throws IOException {
    try (Stream<Path> files = Files.list(prometheus())) {
      List<Path> rules = files.filter(f -> f.getFileName().toString().endsWith(".rules.yml"))
          .sorted().toList();
      assertThat(rules).as("rule files in %s", prometheus()).isNotEmpty();
      return rules;
    }
  }

  /** The promtool unit tests: {@code deploy/prometheus/tests/*.yml}. */
  static List<Path> ruleTests() throws IOException {
    try (Stream<Path> files = Files.list(prometheus().resolve("tests"))) {
      return files.filter(f -> f.getFileName().toString().endsWith(".yml")).sorted().toList();
    }
  }

  private record Result(int exit, String output) {}

  private static Result run(List<String> command) throws IOException, InterruptedException {
    Process p;
    try {
      // From the rules' directory: the tests name their rule files relative to themselves.
      p = new ProcessBuilder(command).directory(prometheus().toFile()).redirectErrorStream(true)
          .start();
    } catch (IOException e) {
      throw new IOException("couldn't run " + PROMTOOL + " (install Debian's prometheus"
          + " package, as .ci/run does): " + e.getMessage(), e);
    }
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish in 5 minutes");
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }
}
