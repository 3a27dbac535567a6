package dev.cairn.log.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URI;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Where a server's spans go: over OTLP/HTTP (protobuf) to {@code <endpoint>/v1/traces} when an
 * endpoint is configured, under the service name the server gives ({@code cairn-log}, {@code
 * cairn-witness}, {@code cairn-monitor}); nowhere otherwise, through OpenTelemetry's no-op
 * tracer, whose spans record nothing. Code on a hot path asks {@link #enabled()} before it
 * builds a span, so that an untraced server allocates nothing for tracing.
 */
public final class Tracing implements AutoCloseable {
  /** The instrumentation scope of every span Cairn makes. */
  private static final String SCOPE = "dev.cairn";
  private static final Tracing OFF =
      new Tracing(Optional.empty(), OpenTelemetry.noop().getTracer(SCOPE));

  private final Optional<OpenTelemetrySdk> sdk;
  private final Tracer tracer;

  private Tracing(Optional<OpenTelemetrySdk> sdk, Tracer tracer) {
    this.sdk = sdk;
    this.tracer = tracer;
  }

  /** No tracing: the no-op tracer; closing it does nothing. */
  public static Tracing off() {
    return OFF;
  }

  /**
   * Spans of {@code service} to {@code endpoint} (the collector's base URL, e.g. {@code
   * http://127.0.0.1:4318}, as {@code OTEL_EXPORTER_OTLP_ENDPOINT} gives it), or none.
   */
  public static Tracing open(String service, Optional<URI> endpoint) {
    if (endpoint.isEmpty()) {
      return OFF;
    }
    String base = endpoint.get().toString();
    return to(service, OtlpHttpSpanExporter.builder()
        .setEndpoint((base.endsWith("/") ? base : base + "/") + "v1/traces").build());
  }

  /** Spans of {@code service} to {@code exporter} (tests pass an in-memory one). */
  public static Tracing to(String service, SpanExporter exporter) {
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
            AttributeKey.stringKey("service.name"), service))))
        .addSpanProcessor(BatchSpanProcessor.builder(exporter).build()).build();
    OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(provider).build();
    return new Tracing(Optional.of(sdk), sdk.getTracer(SCOPE));
  }

  /** Whether spans go anywhere; when not, make none. */
  public boolean enabled() {
    return sdk.isPresent();
  }

  /** The tracer spans are made with. */
  public Tracer tracer() {
    return tracer;
  }

  /**
   * Makes {@code span} the current one until the scope closes, if it is a real span: an
   * invalid one (tracing off) leaves the context alone and allocates nothing.
   */
  public static Scope current(Span span) {
    return span.getSpanContext().isValid() ? span.makeCurrent() : Scope.noop();
  }

  /** Sends the spans not sent yet, waiting at most 5 s. */
  public void flush() {
    sdk.ifPresent(s -> s.getSdkTracerProvider().forceFlush().join(5, TimeUnit.SECONDS));
  }

  /** Sends the spans not sent yet and stops, waiting at most 5 s. */
  @Override
  public void close() {
    sdk.ifPresent(s -> s.getSdkTracerProvider().shutdown().join(5, TimeUnit.SECONDS));
  }
}
