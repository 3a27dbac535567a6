/**
 * OpenTelemetry tracing for Cairn's servers (the log, the witness, the monitor): spans sent over
 * OTLP/HTTP when an endpoint is configured, and a no-op tracer otherwise, so that untraced
 * servers pay next to nothing for the spans they would make.
 */
package dev.cairn.log.tracing;
