package dev.cairn.log.http;

import dev.cairn.log.tracing.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.List;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;

/**
 * The server span of a request, as OpenTelemetry's HTTP conventions name it: a caller's W3C
 * {@code traceparent} (and {@code tracestate}) is continued, the span is named {@code METHOD
 * /route} once the route is known ({@code METHOD} alone for no route, so that unknown paths do
 * not multiply span names), and a 5xx answer marks it failed. The answer's {@code traceresponse}
 * header (W3C Trace Context Level 2) gives the caller the span.
 */
final class RequestSpans {
  /** The response header naming the request's span. */
  static final String TRACE_RESPONSE = "traceresponse";
  private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();

  private static final TextMapGetter<Request> HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Request request) {
      return request.getHeaders().stream().map(HttpField::getName).toList();
    }

    @Override
    public String get(Request request, String key) {
      if (request == null) {
        return null;
      }
      List<String> values = request.getHeaders().getValuesList(key);
      // Trace Context: several tracestate headers are one list; a repeated traceparent is invalid.
      return values.isEmpty() ? null : String.join(",", values);
    }
  };

  private RequestSpans() {}

  /** Starts the span of {@code request}, under the caller's span if it names one. */
  static Span start(Tracing tracing, Request request, String requestId) {
    Context caller = W3C.extract(Context.root(), request, HEADERS);
    String method = request.getMethod();
    Span span = tracing.tracer().spanBuilder(method).setParent(caller)
        .setSpanKind(SpanKind.SERVER)
        .setAttribute("http.request.method", method)
        .setAttribute("url.path", Exchange.abbreviate(request.getHttpURI().getPath(), 200))
        .setAttribute("url.scheme", request.getHttpURI().getScheme())
        .setAttribute("network.protocol.version",
            request.getConnectionMetaData().getHttpVersion().asString().replace("HTTP/", ""))
        .setAttribute("client.address", Request.getRemoteAddr(request))
        .setAttribute("cairn.request_id", requestId)
        .startSpan();
    String agent = request.getHeaders().get(HttpHeader.USER_AGENT);
    if (agent != null) {
      span.setAttribute("user_agent.original", Exchange.abbreviate(agent, 200));
    }
    return span;
  }

  /** Names the span by its route: {@code POST /add}, {@code GET /tile/{level}/{index}}. */
  static void route(Span span, String method, String route, String path) {
    String template = switch (route) {
      case "tile" -> "/tile/{level}/{index}";
      case "bundle" -> "/tile/entries/{index}";
      default -> path;
    };
    span.updateName(method + " " + template);
    span.setAttribute("http.route", template);
  }

  /** Ends the span with the answer's status: 5xx is the server's failure, 4xx the caller's. */
  static void end(Span span, int code) {
    span.setAttribute("http.response.status_code", code);
    if (code >= 500) {
      span.setStatus(StatusCode.ERROR);
    }
    span.end();
  }

  /** The {@code traceresponse} value: version, trace ID, span ID, flags. */
  static String traceResponse(Span span) {
    SpanContext c = span.getSpanContext();
    return "00-" + c.getTraceId() + "-" + c.getSpanId() + "-" + c.getTraceFlags().asHex();
  }
}
