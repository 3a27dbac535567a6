package dev.cairn.log.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.trace.Span;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Spans leave over OTLP/HTTP to a real receiver on loopback when an endpoint is configured. */
class TracingTest {
  private record Received(String path, String contentType, byte[] body) {}

  @Test
  void spansAreSentOverOtlpHttpWithTheRunId() throws Exception {
    BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    collector.createContext("/", x -> {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      x.getRequestBody().transferTo(body);
      received.add(new Received(x.getRequestURI().getPath(),
          x.getRequestHeaders().getFirst("Content-Type"), body.toByteArray()));
      x.sendResponseHeaders(200, -1);
      x.close();
    });
    collector.start();
    try (Tracing tracing = Tracing.open("cairn-monitor", Optional.of(URI.create("http://127.0.0.1:"
        + collector.getAddress().getPort())))) {
      Span span = tracing.tracer().spanBuilder("monitor.run")
          .setAttribute("cairn.run_id", "run-42").startSpan();
      span.end();
      tracing.flush();
      Received r = received.poll(10, TimeUnit.SECONDS);
      assertThat(r).as("a request reached the collector").isNotNull();
      assertThat(r.path()).isEqualTo("/v1/traces");
      assertThat(r.contentType()).isEqualTo("application/x-protobuf");
      // Protobuf keeps strings as UTF-8 bytes: the span's name and attribute are in the body.
      String body = new String(r.body(), StandardCharsets.ISO_8859_1);
      assertThat(body).contains("monitor.run", "cairn.run_id", "run-42", "cairn-monitor");
    } finally {
      collector.stop(0);
    }
  }

  @Test
  void withoutAnEndpointNothingIsRecorded() {
    assertThat(Tracing.open("cairn-log", Optional.empty()).enabled()).isFalse();
    try (Tracing tracing = Tracing.open("cairn-log", Optional.empty())) {
      Span span = tracing.tracer().spanBuilder("monitor.run").startSpan();
      assertThat(span.isRecording()).isFalse();
      span.end();
    }
  }
}
