package dev.cairn.log.http;

import java.util.Optional;
import org.slf4j.MDC;

/**
 * What the lines logged while a request is handled say about it, in the MDC (which {@code
 * --log-format json} writes into each line): {@value #REQUEST_ID}, the ID the answer gives as
 * {@code X-Request-Id} (and the audit log and error bodies name), and {@value #TRACE_ID}, the
 * request's OpenTelemetry trace when tracing is on. Opened on each thread the request's work
 * runs on and closed when that work is done; closing puts back what the thread's MDC held
 * before, so a context opened inside another leaves it intact.
 */
public final class LogContext implements AutoCloseable {
  /** The MDC key of the request ID. */
  public static final String REQUEST_ID = "request_id";
  /** The MDC key of the trace ID (32 lowercase hex digits). */
  public static final String TRACE_ID = "trace_id";

  private final String requestBefore;
  private final String traceBefore;

  private LogContext(String requestBefore, String traceBefore) {
    this.requestBefore = requestBefore;
    this.traceBefore = traceBefore;
  }

  /** Puts {@code requestId} in this thread's MDC until closed. */
  public static LogContext of(String requestId) {
    return of(requestId, Optional.empty());
  }

  /**
   * Puts {@code requestId}, and {@code traceId} if present, in this thread's MDC until closed;
   * without a trace ID, the thread's MDC has none meanwhile.
   */
  public static LogContext of(String requestId, Optional<String> traceId) {
    LogContext c = new LogContext(MDC.get(REQUEST_ID), MDC.get(TRACE_ID));
    MDC.put(REQUEST_ID, requestId);
    if (traceId.isPresent()) {
      MDC.put(TRACE_ID, traceId.get());
    } else if (c.traceBefore != null) {
      MDC.remove(TRACE_ID);
    }
    return c;
  }

  @Override
  public void close() {
    restore(REQUEST_ID, requestBefore);
    restore(TRACE_ID, traceBefore);
  }

  private static void restore(String key, String before) {
    if (before == null) {
      MDC.remove(key);
    } else {
      MDC.put(key, before);
    }
  }
}
