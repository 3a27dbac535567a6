package dev.cairn.log.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.log.LogConfig;
import dev.cairn.log.TransparencyLog;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log's start builds no platform MBean server: Jetty (asking whether references are
 * compressed) and the native-memory metrics each built it, ~0.1 s of CPU at every start on two
 * cores (docs/design/start-up.md). Each case runs in a JVM of its own, since another test may
 * have built the server in this one.
 */
class NoMBeanServerTest {
  @TempDir Path dir;

  @Test
  void servingALogAndItsMetricsBuildsNone() throws Exception {
    String out = child();
    assertThat(out).contains("\njvm_memory_used_bytes{area=\"heap\"} ")
        .doesNotContain("jvm_native_memory_")
        .contains("MBean servers: 0");
  }

  @Test
  void withNativeMemoryTrackingTheMetricsHaveIt() throws Exception {
    String out = child("-XX:NativeMemoryTracking=summary");
    assertThat(out).contains("\njvm_native_memory_committed_bytes{pool=\"Java Heap\"} ");
  }

  private String child(String... jvmOptions) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(jvmOptions));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"),
        Child.class.getName(), dir.resolve("log").toString()));
    Path output = dir.resolve("child.out");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(output.toFile());
    // Only the options above: an inherited agent or NativeMemoryTracking would change the case.
    builder.environment().keySet().removeAll(
        List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"));
    Process p = builder.start();
    try {
      boolean exited = p.waitFor(60, TimeUnit.SECONDS);
      String out = Files.readString(output);
      assertThat(exited).as(out).isTrue();
      assertThat(p.exitValue()).as(out).isZero();
      return out;
    } finally {
      p.destroyForcibly();
    }
  }

  /** Opens and serves a log, prints its {@code /metrics}, then how many MBean servers exist. */
  static final class Child {
    public static void main(String[] args) throws Exception {
      try (TransparencyLog log = TransparencyLog.open(LogConfig.defaults(Path.of(args[0])));
          LogServer server = LogServer.start(log, HttpConfig.defaults("127.0.0.1", 0));
          HttpClient client = HttpClient.newHttpClient()) {
        HttpResponse<String> metrics = client.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString());
        System.out.println(metrics.body());
        System.out.println("MBean servers: " + MBeanServerFactory.findMBeanServer(null).size());
      }
    }
  }
}
