package dev.cairn.monitor;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
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
 * OpenTelemetry spans of the monitor's runs ({@code monitor.run}) and of each log's audit
 * ({@code monitor.log}), each with the {@code cairn.run_id} attribute: sent over OTLP/HTTP to
 * {@code <endpoint>/v1/traces} when an endpoint is configured, nowhere otherwise.
 */
public final class Tracing implements AutoCloseable {
  private final Optional<OpenTelemetrySdk> sdk;
  private final Tracer tracer;

  private Tracing(Optional<OpenTelemetrySdk> sdk, Tracer tracer) {
    this.sdk = sdk;
    this.tracer = tracer;
  }

  /** Spans to {@code endpoint} (e.g. {@code http://127.0.0.1:4318}), or none. */
  public static Tracing open(Optional<URI> endpoint) {
    if (endpoint.isEmpty()) {
      return new Tracing(Optional.empty(),
          OpenTelemetry.noop().getTracer("dev.cairn.monitor"));
    }
    String base = endpoint.get().toString();
    return to(OtlpHttpSpanExporter.builder()
        .setEndpoint((base.endsWith("/") ? base : base + "/") + "v1/traces").build());
  }

  /** Spans to {@code exporter} (tests pass an in-memory one). */
  public static Tracing to(SpanExporter exporter) {
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
            AttributeKey.stringKey("service.name"), "cairn-monitor"))))
        .addSpanProcessor(BatchSpanProcessor.builder(exporter).build()).build();
    OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(provider).build();
    return new Tracing(Optional.of(sdk), sdk.getTracer("dev.cairn.monitor"));
  }

  /** The tracer runs use. */
  public Tracer tracer() {
    return tracer;
  }

  /** Sends the spans not sent yet, waiting at most 5 s. */
  public void flush() {
    sdk.ifPresent(s -> s.getSdkTracerProvider().forceFlush().join(5, TimeUnit.SECONDS));
  }

  @Override
  public void close() {
    sdk.ifPresent(s -> s.getSdkTracerProvider().shutdown().join(5, TimeUnit.SECONDS));
  }
}
