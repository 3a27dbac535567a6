package dev.cairn.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.tile.EntryBundle;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cairn serve --log-format json} and {@code cairn witness serve --log-format json} in
 * JVMs of their own (the format is the process's): every line on stderr is a JSON object with
 * the time, level, logger and message; the line about a failed request carries its request ID;
 * and the start's line names the configuration hash {@code /metrics} exports.
 */
class JsonLogsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void serveLogsJsonLinesWithTheRequestIdOfAFailedRequest() throws Exception {
    Path data = dir.resolve("data");
    Path stderr = dir.resolve("stderr");
    int port = LocalServers.freePort();
    String base = "http://127.0.0.1:" + port;
    Process p = start(stderr, "serve", "--data", data.toString(), "--listen",
        "127.0.0.1:" + port, "--origin", "example.com/json-logs", "--checkpoint-interval",
        "50ms", "--log-format", "json");
    try {
      awaitHealthy(p, base, stderr);
      assertThat(send(HttpRequest.newBuilder(URI.create(base + "/add"))
          .POST(HttpRequest.BodyPublishers.ofString("one")).build()).statusCode())
          .isEqualTo(200);
      poll("the entry to be published", () -> checkpointSize(base) >= 1);
      // The bundle's file becomes a directory: reading it fails in a way nothing expects.
      String path = new EntryBundle(0, 1).path();
      Path file = data.resolve("tiles").resolve(path);
      Files.delete(file);
      Files.createDirectory(file);
      HttpResponse<String> failed = send(HttpRequest.newBuilder(URI.create(base + "/" + path))
          .build());
      assertThat(failed.statusCode()).isEqualTo(500);
      String id = failed.headers().firstValue("X-Request-Id").orElseThrow();

      List<JsonNode> lines = new ArrayList<>();
      poll("the failure to be logged", () -> {
        lines.clear();
        lines.addAll(jsonLines(stderr));
        return lines.stream().anyMatch(l -> l.path("formattedMessage").asText().contains(id));
      });
      for (JsonNode l : lines) {
        assertThat(l.has("timestamp") && l.has("level") && l.has("loggerName")
            && l.has("message") && l.has("formattedMessage")).as(l.toString()).isTrue();
      }
      JsonNode failure = lines.stream()
          .filter(l -> l.path("formattedMessage").asText().contains("failed (request " + id))
          .findFirst().orElseThrow();
      assertThat(failure.path("level").asText()).isEqualTo("ERROR");
      assertThat(failure.path("loggerName").asText()).isEqualTo("dev.cairn.log.http.Exchange");
      assertThat(failure.path("mdc").path("request_id").asText()).isEqualTo(id);
      assertThat(failure.path("throwable").isMissingNode()).isFalse();

      // The configuration hash, logged at start and exported.
      String start = lines.stream().map(l -> l.path("formattedMessage").asText())
          .filter(m -> m.contains("serving with configuration")).findFirst().orElseThrow();
      Matcher hash = Pattern.compile("configuration ([0-9a-f]{64})").matcher(start);
      assertThat(hash.find()).as(start).isTrue();
      String metrics = send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build())
          .body();
      assertThat(metrics).contains("cairn_config_info{hash=\"" + hash.group(1) + "\"} 1.0")
          .containsPattern("cairn_build_info\\{commit=\"[^\"]+\",version=\""
              + Pattern.quote(Main.version()) + "\"} 1.0");
    } finally {
      stop(p);
    }
  }

  @Test
  void witnessServeLogsJsonLines() throws Exception {
    Path stderr = dir.resolve("witness-stderr");
    int port = LocalServers.freePort();
    Process p = start(stderr, "witness", "serve", "--data", dir.resolve("w").toString(),
        "--listen", "127.0.0.1:" + port, "--log-format", "json");
    try {
      awaitHealthy(p, "http://127.0.0.1:" + port, stderr);
      HttpResponse<String> r = send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/add-checkpoint"))
          .POST(HttpRequest.BodyPublishers.ofString("not a checkpoint")).build());
      assertThat(r.statusCode()).isBetween(400, 499);
    } finally {
      stop(p);
    }
    List<JsonNode> lines = jsonLines(stderr);
    for (JsonNode l : lines) {
      assertThat(l.has("timestamp") && l.has("level") && l.has("loggerName")
          && l.has("message") && l.has("formattedMessage")).as(l.toString()).isTrue();
    }
    assertThat(lines).extracting(l -> l.path("formattedMessage").asText())
        .anyMatch(m -> m.matches("cairn \\S+ \\(commit \\S+\\) witnessing with configuration"
            + " [0-9a-f]{64}"))
        .anyMatch(m -> m.contains("the witness cosigns nothing"));
  }

  private static List<JsonNode> jsonLines(Path file) {
    List<JsonNode> out = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(file, UTF_8)) {
        if (line.isBlank()) {
          continue;
        }
        try {
          out.add(JSON.readTree(line));
        } catch (IOException e) {
          throw new AssertionError("not a JSON line: " + line, e);
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out;
  }

  private static Process start(Path stderr, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Xmx256m", "-cp", classPath(), "dev.cairn.cli.Main"));
    if (Runtime.version().feature() >= 24) {
      // As ./cairn: the dedup index's sun.misc.Unsafe::invokeCleaner, else a warning on stderr.
      command.add(1, "--sun-misc-unsafe-memory-access=allow");
    }
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(stderr.toFile()).start();
  }

  /** Surefire may run the tests from a manifest-only jar; then the class path is here. */
  private static String classPath() {
    String surefire = System.getProperty("surefire.test.class.path");
    return surefire != null && !surefire.isBlank() ? surefire
        : System.getProperty("java.class.path");
  }

  private static void stop(Process p) throws InterruptedException {
    p.destroy();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
    }
  }

  private HttpResponse<String> send(HttpRequest r) throws IOException, InterruptedException {
    return http.send(r, HttpResponse.BodyHandlers.ofString());
  }

  private long checkpointSize(String base) {
    try {
      HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/checkpoint"))
          .build());
      return r.statusCode() == 200 ? Long.parseLong(r.body().lines().skip(1).findFirst()
          .orElse("0")) : -1;
    } catch (IOException | InterruptedException e) {
      return -1;
    }
  }

  /** Waits for {@code base/healthz}, failing at once with its output if {@code p} exits. */
  private static void awaitHealthy(Process p, String base, Path stderr) {
    LocalServers.awaitHealthy(base, () -> {
      if (p.isAlive()) {
        return Optional.empty();
      }
      try {
        return Optional.of("exited " + p.exitValue() + ":\n" + Files.readString(stderr));
      } catch (IOException e) {
        return Optional.of("exited " + p.exitValue() + " (" + e + ")");
      }
    });
  }

  private static void poll(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
    }
  }
}
