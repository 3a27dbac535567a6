package dev.cairn.interop;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus ({@code /usr/bin/prometheus}) or Alertmanager ({@code
 * /usr/bin/prometheus-alertmanager}), as Debian packages them, run as a process of its own on a
 * free loopback port with a configuration file the test wrote and its storage in a temporary
 * directory. Its output goes to one file, for failure messages.
 */
final class MonitoringServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration READY_DEADLINE = Duration.ofSeconds(30);

  private final String name;
  private final Process process;
  private final URI base;
  private final Path output;
  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  private MonitoringServer(String name, Process process, URI base, Path output) {
    this.name = name;
    this.process = process;
    this.base = base;
    this.output = output;
  }

  /**
   * Starts Prometheus with the configuration {@code config} (a file) and its TSDB in {@code
   * storage}; returns once {@code /-/ready} answers 200.
   */
  static MonitoringServer prometheus(Path config, Path storage, Path output)
      throws IOException, InterruptedException {
    return start("prometheus", port -> List.of("prometheus",
        "--config.file=" + config,
        "--storage.tsdb.path=" + storage,
        "--web.listen-address=127.0.0.1:" + port,
        "--web.external-url=http://127.0.0.1:" + port + "/"), output);
  }

  /**
   * Starts Alertmanager with the configuration {@code config}, its notification log and
   * silences in {@code storage} and clustering off; returns once {@code /-/ready} answers 200.
   */
  static MonitoringServer alertmanager(Path config, Path storage, Path output)
      throws IOException, InterruptedException {
    return start("alertmanager", port -> List.of("prometheus-alertmanager",
        "--config.file=" + config,
        "--storage.path=" + storage,
        "--web.listen-address=127.0.0.1:" + port,
        "--cluster.listen-address="), output);
  }

  private interface CommandLine {
    List<String> at(int port);
  }

  private static MonitoringServer start(String name, CommandLine command, Path output)
      throws IOException, InterruptedException {
    // The free port may be taken before the server binds it; only then is a retry warranted.
    for (int attempt = 1; ; attempt++) {
      int port = ServerProcess.freePort();
      Files.createDirectories(output.getParent());
      List<String> line = command.at(port);
      Process p;
      try {
        p = new ProcessBuilder(new ArrayList<>(line)).redirectErrorStream(true)
            .redirectOutput(output.toFile()).start();
      } catch (IOException e) {
        throw new AssertionError("couldn't run " + line.getFirst() + " (Debian: apt-get install"
            + " prometheus prometheus-alertmanager)", e);
      }
      MonitoringServer server = new MonitoringServer(name, p,
          URI.create("http://127.0.0.1:" + port + "/"), output);
      if (server.awaitReady()) {
        return server;
      }
      if (attempt == 3) {
        fail(name + " could not listen on a free port three times:\n" + server.excerpt());
      }
    }
  }

  /** Waits for {@code /-/ready}; false if the process exited because its port was taken. */
  private boolean awaitReady() throws InterruptedException {
    long deadline = System.nanoTime() + READY_DEADLINE.toNanos();
    while (true) {
      try {
        if (http.send(HttpRequest.newBuilder(base.resolve("-/ready")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return true;
        }
      } catch (IOException e) {
        // Not listening yet.
      }
      // The pause between polls doubles as the check that the server is still running.
      if (process.waitFor(50, TimeUnit.MILLISECONDS)) {
        if (excerpt().contains("address already in use")) {
          return false;
        }
        fail(name + " exited with status " + process.exitValue() + " before it was ready:\n"
            + excerpt());
      }
      if (System.nanoTime() > deadline) {
        close();
        fail(name + " was not ready within " + READY_DEADLINE + ":\n" + excerpt());
      }
    }
  }

  /** Where it listens, ending in a slash. */
  URI base() {
    return base;
  }

  /** {@code host:port}, as a scrape or alerting target names it. */
  String address() {
    return base.getHost() + ":" + base.getPort();
  }

  /**
   * {@code GET path} of the HTTP API, parsed. Prometheus's answers are {@code {"status":
   * "success", "data": ...}}; any other status fails the test with the error Prometheus gave.
   */
  JsonNode api(String path) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(path)).build(),
        HttpResponse.BodyHandlers.ofString());
    JsonNode json;
    try {
      json = JSON.readTree(r.body());
    } catch (IOException e) {
      throw new AssertionError(name + " GET " + path + " answered " + r.statusCode()
          + " with no JSON: " + r.body(), e);
    }
    if (r.statusCode() != 200 || !json.path("status").asText().equals("success")) {
      throw new QueryFailed(name + " GET " + path + " answered " + r.statusCode() + ": "
          + json.path("errorType").asText() + ": " + json.path("error").asText());
    }
    return json.path("data");
  }

  /** An instant query's result ({@code data.result}) for {@code expr}, evaluated now. */
  JsonNode query(String expr) throws IOException, InterruptedException {
    return api("api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8))
        .path("result");
  }

  /** A query Prometheus refused or failed, with its error. */
  static final class QueryFailed extends AssertionError {
    private static final long serialVersionUID = 1L;

    QueryFailed(String message) {
      super(message);
    }
  }

  /** The last lines of its output, headed by the file name. */
  String excerpt() {
    return ServerProcess.excerpt(output);
  }

  /** Stops it (SIGKILL) if it still runs. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
