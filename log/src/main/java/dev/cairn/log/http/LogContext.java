package dev.cairn.log.http;

import org.slf4j.MDC;

/**
 * What the lines logged while a request is handled say about it, in the MDC (which {@code
 * --log-format json} writes into each line): {@value #REQUEST_ID}, the ID the answer gives as
 * {@code X-Request-Id} (and the audit log and error bodies name), and {@value #TRACE_ID}, the
 * request's OpenTelemetry trace when tracing is on (set beside it by the tracing). Opened on
 * each thread the request's work runs on and closed when that work is done; closing puts back
 * what the thread's MDC held before, so a context opened inside another leaves it intact.
 */
public final class LogContext implements AutoCloseable {
  /** The MDC key of the request ID. */
  public static final String REQUEST_ID = "request_id";
  /** The MDC key of the trace ID (32 lowercase hex digits). */
  public static final String TRACE_ID = "trace_id";

  private final String before;

  private LogContext(String before) {
    this.before = before;
  }

  /** Puts {@code requestId} in this thread's MDC until closed. */
  public static LogContext of(String requestId) {
    LogContext c = new LogContext(MDC.get(REQUEST_ID));
    MDC.put(REQUEST_ID, requestId);
    return c;
  }

  @Override
  public void close() {
    if (before == null) {
      MDC.remove(REQUEST_ID);
    } else {
      MDC.put(REQUEST_ID, before);
    }
  }
}
