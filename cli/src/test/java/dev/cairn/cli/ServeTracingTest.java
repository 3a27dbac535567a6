package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.cairn.cli.settings.SettingsException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code cairn serve --otel-endpoint} sends its spans to an OTLP/HTTP receiver on loopback; the
 * endpoint comes from the setting, else from {@code OTEL_EXPORTER_OTLP_ENDPOINT}. (The spans'
 * structure is tested in the log module, decoded from protobuf.)
 */
class ServeTracingTest {
  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void theEndpointIsTheSettingElseOpenTelemetrysVariable() {
    Map<String, String> otel = Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318");
    assertThat(ServeSettings.resolve(Optional.empty(), Map.of(), Map.of())
        .otelEndpoint(Map.of())).isEmpty();
    assertThat(ServeSettings.resolve(Optional.empty(), otel, Map.of()).otelEndpoint(otel))
        .contains(URI.create("http://collector:4318"));
    assertThat(ServeSettings.resolve(Optional.empty(), otel,
        Map.of("otel_endpoint", "https://flag.example:4318")).otelEndpoint(otel))
        .contains(URI.create("https://flag.example:4318"));
    Map<String, String> both = Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318",
        "CAIRN_OTEL_ENDPOINT", "http://cairn-env:4318");
    assertThat(ServeSettings.resolve(Optional.empty(), both, Map.of()).otelEndpoint(both))
        .contains(URI.create("http://cairn-env:4318"));
    assertThatThrownBy(() -> ServeSettings.resolve(Optional.empty(), Map.of(),
        Map.of("otel_endpoint", "collector:4318")).otelEndpoint(Map.of()))
        .isInstanceOf(SettingsException.class).hasMessageContaining("otel_endpoint")
        .hasMessageContaining("http:// or https://");
    Map<String, String> bad = Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "grpc://collector:4317");
    assertThatThrownBy(() -> ServeSettings.resolve(Optional.empty(), bad, Map.of())
        .otelEndpoint(bad)).isInstanceOf(SettingsException.class)
        .hasMessageContaining("OTEL_EXPORTER_OTLP_ENDPOINT \"grpc://collector:4317\"");
  }

  @Test
  void serveSendsTheSpansOfItsRequestsAsCairnLog() throws Exception {
    List<byte[]> received = new CopyOnWriteArrayList<>();
    HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    collector.createContext("/v1/traces", x -> {
      try (x) {
        received.add(x.getRequestBody().readAllBytes());
        x.sendResponseHeaders(200, -1);
      }
    });
    collector.start();
    try {
      ServeCommand serve = new ServeCommand();
      CommandLine cl = new CommandLine(serve);
      cl.setOut(new java.io.PrintWriter(new java.io.StringWriter(), true));
      int port = LocalServers.freePort();
      String base = "http://127.0.0.1:" + port;
      CompletableFuture<Integer> running = CompletableFuture.supplyAsync(() -> cl.execute(
          "--data", dir.resolve("data").toString(), "--listen", "127.0.0.1:" + port,
          "--checkpoint-interval", "50ms", "--otel-endpoint",
          "http://127.0.0.1:" + collector.getAddress().getPort()));
      byte[] traceId = new byte[16];
      ThreadLocalRandom.current().nextBytes(traceId);
      try {
        LocalServers.awaitHealthy(base);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/add"))
            .header("traceparent", "00-" + HexFormat.of().formatHex(traceId)
                + "-00f067aa0ba902b7-01")
            .POST(HttpRequest.BodyPublishers.ofString("traced")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("traceresponse")).get().asString()
            .startsWith("00-" + HexFormat.of().formatHex(traceId) + "-");
      } finally {
        serve.stop.countDown();
      }
      assertThat(running.get()).isZero();
      // Stopping sent what was left. Protobuf keeps strings as UTF-8 and IDs as raw bytes.
      String all = String.join("\n", received.stream()
          .map(b -> new String(b, StandardCharsets.ISO_8859_1)).toList());
      assertThat(all).contains("cairn-log", "POST /add", "sequence",
          new String(traceId, StandardCharsets.ISO_8859_1));
    } finally {
      collector.stop(0);
    }
  }
}
