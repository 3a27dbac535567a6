package dev.cairn.log.tracing;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OTLP/HTTP trace receiver on loopback, as a collector's {@code otlphttp} receiver is: it
 * takes {@code POST /v1/traces} with a protobuf {@code ExportTraceServiceRequest}, decodes it
 * with the protocol's own messages, and keeps every span with its resource's service name.
 */
final class OtlpReceiver implements AutoCloseable {
  /** A received span and the service that sent it. */
  record Received(String service, Span span) {
    String traceId() {
      return hex(span.getTraceId().toByteArray());
    }

    String spanId() {
      return hex(span.getSpanId().toByteArray());
    }

    String parentSpanId() {
      return hex(span.getParentSpanId().toByteArray());
    }

    String name() {
      return span.getName();
    }

    /** Whether it links to the span {@code spanId} of trace {@code traceId}. */
    boolean linksTo(String traceId, String spanId) {
      return span.getLinksList().stream().anyMatch(l -> hex(l.getTraceId().toByteArray())
          .equals(traceId) && hex(l.getSpanId().toByteArray()).equals(spanId));
    }

    /** The attribute {@code key}, as text, if the span has it. */
    Optional<String> attribute(String key) {
      return span.getAttributesList().stream().filter(a -> a.getKey().equals(key)).findFirst()
          .map(a -> a.getValue().hasStringValue() ? a.getValue().getStringValue()
              : a.getValue().hasIntValue() ? Long.toString(a.getValue().getIntValue())
              : a.getValue().hasBoolValue() ? Boolean.toString(a.getValue().getBoolValue())
              : a.getValue().toString());
    }
  }

  private final HttpServer server;
  private final List<Received> spans = new CopyOnWriteArrayList<>();
  private final AtomicInteger requests = new AtomicInteger();

  OtlpReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/traces", x -> {
      try (x) {
        requests.incrementAndGet();
        if (!"POST".equals(x.getRequestMethod()) || !"application/x-protobuf".equals(
            x.getRequestHeaders().getFirst("Content-Type"))) {
          x.sendResponseHeaders(415, -1);
          return;
        }
        ExportTraceServiceRequest request =
            ExportTraceServiceRequest.parseFrom(x.getRequestBody().readAllBytes());
        for (ResourceSpans rs : request.getResourceSpansList()) {
          String service = service(rs.getResource());
          for (ScopeSpans ss : rs.getScopeSpansList()) {
            for (Span s : ss.getSpansList()) {
              spans.add(new Received(service, s));
            }
          }
        }
        byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
        x.getResponseHeaders().set("Content-Type", "application/x-protobuf");
        x.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
        x.getResponseBody().write(answer);
      }
    });
    server.start();
  }

  private static String service(Resource r) {
    return r.getAttributesList().stream().filter(a -> a.getKey().equals("service.name"))
        .map(KeyValue::getValue).map(v -> v.getStringValue()).findFirst().orElse("");
  }

  static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  /** The base URL an exporter is given: spans go to {@code /v1/traces} under it. */
  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Every span received so far. */
  List<Received> spans() {
    return List.copyOf(spans);
  }

  /** Export requests received so far, decodable or not. */
  int requests() {
    return requests.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
