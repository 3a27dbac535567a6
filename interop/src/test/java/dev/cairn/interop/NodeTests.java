package dev.cairn.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a test script of {@code interop/browser/} with Node's test runner in {@code
 * target/browser/}, and checks its JUnit report: every named scenario ran and passed, so a
 * scenario deleted or skipped is noticed. Scripts that drive a browser get {@code
 * playwright-core}, installed by {@code npm ci} from the committed lock file.
 */
final class NodeTests {
  static final Path BUILD =
      Path.of(System.getProperty("cairn.interop.buildDirectory", "target")).toAbsolutePath();
  private static final Path SOURCES = BUILD.getParent().resolve("browser");
  private static final Duration RUN_DEADLINE = Duration.ofMinutes(5);

  private NodeTests() {}

  /**
   * Runs {@code script} with {@code env} added to the environment; fails with the output's end
   * unless it exits 0 and its report names each of {@code scenarios} as passed.
   */
  static void run(String script, boolean playwright, Map<String, String> env,
      List<String> scenarios) throws IOException, InterruptedException {
    Path work = Files.createDirectories(BUILD.resolve("browser"));
    for (String f : List.of("package.json", "package-lock.json", script)) {
      Files.copy(SOURCES.resolve(f), work.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    if (playwright) {
      installPlaywright(work);
    }
    String name = script.replaceAll("\\.test\\.mjs$", "");
    Path reports = Files.createDirectories(BUILD.resolve("browser-reports"));
    Path report = reports.resolve("TEST-" + name + ".xml");
    Files.deleteIfExists(report);
    Path output = reports.resolve(name + ".out");
    ProcessBuilder pb = new ProcessBuilder("node", "--test", "--test-concurrency=1",
        "--test-reporter=spec", "--test-reporter-destination=stdout",
        "--test-reporter=junit", "--test-reporter-destination=" + report, script)
        .directory(work.toFile()).redirectErrorStream(true).redirectOutput(output.toFile());
    pb.environment().putAll(env);
    Process node;
    try {
      node = pb.start();
    } catch (IOException e) {
      throw new AssertionError("the explorer's tests need Node.js 18 or newer (Debian: apt-get"
          + " install nodejs); .ci/run installs it: " + e.getMessage(), e);
    }
    if (!node.waitFor(RUN_DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
      node.destroyForcibly();
      fail("node --test " + script + " did not finish in " + RUN_DEADLINE + ":\n"
          + tail(output));
    }
    assertThat(node.exitValue()).as("node --test %s:\n%s", script, tail(output)).isZero();
    String xml = Files.readString(report);
    for (String scenario : scenarios) {
      Matcher m = Pattern.compile("<testcase name=\"" + Pattern.quote(xmlEscape(scenario))
          + "\"[^>]*?(/>|>(.*?)</testcase>)", Pattern.DOTALL).matcher(xml);
      assertThat(m.find()).as("scenario \"%s\" in %s", scenario, report).isTrue();
      String body = m.group(2) == null ? "" : m.group(2);
      assertThat(body).as("scenario \"%s\"", scenario).doesNotContain("<failure")
          .doesNotContain("<skipped");
    }
  }

  /** {@code npm ci} in {@code work}, again only when the lock file changed. */
  private static void installPlaywright(Path work) throws IOException, InterruptedException {
    Path stamp = work.resolve("node_modules").resolve(".cairn-installed-from");
    String lock = Files.readString(work.resolve("package-lock.json"));
    if (Files.exists(stamp) && Files.readString(stamp).equals(lock)) {
      return;
    }
    Path log = work.resolve("npm-ci.log");
    Process npm;
    try {
      npm = new ProcessBuilder("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund")
          .directory(work.toFile()).redirectErrorStream(true).redirectOutput(log.toFile())
          .start();
    } catch (IOException e) {
      throw new AssertionError("the explorer's browser tests need npm (with Node.js; Debian:"
          + " apt-get install nodejs npm); .ci/run installs it: " + e.getMessage(), e);
    }
    if (!npm.waitFor(5, TimeUnit.MINUTES) || npm.exitValue() != 0) {
      npm.destroyForcibly();
      fail("npm ci (playwright-core) failed in " + work + ":\n" + tail(log));
    }
    Files.writeString(stamp, lock);
  }

  private static String xmlEscape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 150), lines.size()));
    } catch (IOException e) {
      return "(no output: " + e.getMessage() + ")";
    }
  }
}
