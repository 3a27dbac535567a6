package dev.cairn.interop;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Builds and runs the Go programs under {@code interop/go/<program>/main.go} with the Go
 * toolchain and golang.org/x/mod as Debian packages them: GOPATH mode, offline, with the build
 * cache in the module's target directory.
 *
 * <p>The GOPATH is {@code /usr/share/gocode} (where golang-golang-x-mod-dev installs x/mod)
 * unless the environment variable {@code CAIRN_GOPATH} names another. When Go or x/mod is
 * missing the tests fail rather than skip: an interop suite that quietly checks nothing proves
 * nothing.
 */
final class GoTool {
  /** The outcome of one run; output is decoded as UTF-8. */
  record Result(int exitCode, String stdout, String stderr) {
    /** Exit code and both streams, for assertion messages. */
    String describe() {
      return "exit " + exitCode + "\n--- stdout:\n" + stdout + "--- stderr:\n" + stderr;
    }
  }

  private static final String DEFAULT_GOPATH = "/usr/share/gocode";
  private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(3);
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(1);
  private static final Path SOURCES =
      Path.of(System.getProperty("cairn.interop.goSources", "go")).toAbsolutePath();
  private static final Path BUILD =
      Path.of(System.getProperty("cairn.interop.buildDirectory", "target")).toAbsolutePath();
  private static final Map<String, Path> BUILT = new HashMap<>();

  private GoTool() {}

  /**
   * The binary of program {@code name}, built on first use in this JVM.
   *
   * @throws org.opentest4j.AssertionFailedError if Go or x/mod is missing or the build fails
   */
  static synchronized Path program(String name) {
    Path built = BUILT.get(name);
    if (built != null) {
      return built;
    }
    String go = findGo().orElseGet(() -> fail(missingMessage("no go executable on PATH")));
    Path xmod = gopath().resolve("src/golang.org/x/mod/sumdb");
    if (!Files.isDirectory(xmod.resolve("tlog")) || !Files.isDirectory(xmod.resolve("note"))) {
      fail(missingMessage("no golang.org/x/mod/sumdb under " + gopath()));
    }
    Path binary = BUILD.resolve("go-bin").resolve(name);
    Result r = exec(
        List.of(go, "build", "-o", binary.toString(), "."), SOURCES.resolve(name), BUILD_TIMEOUT);
    if (r.exitCode() != 0) {
      fail("go build of interop/go/" + name + " failed: " + r.describe());
    }
    BUILT.put(name, binary);
    return binary;
  }

  /** Runs {@code binary} with {@code args} in the build directory and waits for it. */
  static Result run(Path binary, String... args) {
    return run(Map.of(), binary, args);
  }

  /** Runs {@code binary} with {@code args} and these extra environment variables. */
  static Result run(Map<String, String> env, Path binary, String... args) {
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.addAll(List.of(args));
    return exec(command, BUILD, RUN_TIMEOUT, env);
  }

  private static Result exec(List<String> command, Path dir, Duration timeout) {
    return exec(command, dir, timeout, Map.of());
  }

  private static Result exec(List<String> command, Path dir, Duration timeout,
      Map<String, String> extra) {
    try {
      Files.createDirectories(BUILD);
      Path out = Files.createTempFile(BUILD, "go-", ".out");
      Path err = Files.createTempFile(BUILD, "go-", ".err");
      try {
        ProcessBuilder pb = new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
        Map<String, String> env = pb.environment();
        env.put("GO111MODULE", "off");
        env.put("GOPATH", gopath().toString());
        env.put("GOPROXY", "off");
        env.put("GOFLAGS", "");
        env.put("GOCACHE", BUILD.resolve("go-cache").toString());
        env.putAll(extra);
        Process p = pb.start();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor();
          fail(String.join(" ", command) + " did not finish within " + timeout);
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      return fail("couldn't run " + String.join(" ", command) + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fail("interrupted while running " + String.join(" ", command), e);
    }
  }

  private static Path gopath() {
    String override = System.getenv("CAIRN_GOPATH");
    return Path.of(override == null || override.isBlank() ? DEFAULT_GOPATH : override);
  }

  private static Optional<String> findGo() {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, "go");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate.toString());
      }
    }
    return Optional.empty();
  }

  private static String missingMessage(String what) {
    return "Go interop tests need Go and golang.org/x/mod (" + what + "): install the Debian"
        + " packages golang-go and golang-golang-x-mod-dev, or set CAIRN_GOPATH to a GOPATH"
        + " holding golang.org/x/mod";
  }
}
