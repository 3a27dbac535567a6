package dev.cairn.log.http;

import dev.cairn.log.BadInputException;
import dev.cairn.log.NotFoundException;
import dev.cairn.log.PushbackException;
import dev.cairn.log.StoppedException;
import dev.cairn.log.tracing.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request and its response, answered exactly once — inline, on a virtual thread, or when a
 * future completes — and recorded in the metrics when it is. Every answer carries the request's
 * ID ({@code X-Request-Id}), which the audit log and the log line of a failure name too.
 *
 * <p>Public so that other roles served on the same stack (the witness) answer the same way.
 */
public final class Exchange {
  private static final Logger LOG = LoggerFactory.getLogger(Exchange.class);
  /** The most of an unread body a refusal reads and drops after answering. */
  private static final long DISCARD_LIMIT = 16L << 20;
  static final String REQUEST_ID = "X-Request-Id";

  /** The request. */
  public final Request request;
  /** The response; set headers on it before answering. */
  public final Response response;
  private final Callback callback;
  private final Recorder metrics;
  private final long started = System.nanoTime();
  private final AtomicBoolean answered = new AtomicBoolean();
  private String route = "other";
  private final String id;
  private volatile Body body = Body.UNREAD;
  /** The answer is pushback (counted apart: not an error of the server's). */
  private volatile boolean pushedBack;
  private QueryParams query;
  private final Tracing tracing;
  /** The request's server span; invalid (and no work) when untraced. */
  private final Span span;

  /**
   * How far the request body was read: not (all) yet; to its end, so the connection may serve
   * another request; or not, as it broke, so the connection closes.
   */
  private enum Body { UNREAD, READ, BROKEN }

  /** Where each answer is counted: its route, status and the time it took. */
  @FunctionalInterface
  public interface Recorder {
    /** Records one answered request. */
    void request(String route, int code, long nanos);

    /**
     * Records a request answered 503 with {@code Retry-After} because the server pushed back
     * (a full pool, the body budget, a wait that timed out), besides {@link #request}.
     */
    default void pushback(String route) {}
  }

  /** An exchange whose answer {@code metrics} records. */
  public Exchange(Request request, Response response, Callback callback, Recorder metrics) {
    this(request, response, callback, metrics, Tracing.off());
  }

  /**
   * An exchange whose answer {@code metrics} records, in a server span of {@code tracing}'s
   * (continuing the caller's {@code traceparent}) if it is enabled.
   */
  public Exchange(Request request, Response response, Callback callback, Recorder metrics,
      Tracing tracing) {
    this.request = request;
    this.response = response;
    this.callback = callback;
    this.metrics = metrics;
    // Always the log's own: the audit log records it, so a client may not choose it.
    this.id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    this.tracing = tracing;
    this.span = tracing.enabled() ? RequestSpans.start(tracing, request, id) : Span.getInvalid();
  }

  /** The request's server span: invalid, recording nothing, when the server is not traced. */
  public Span span() {
    return span;
  }

  /** The request's trace ID, if it is traced. */
  public Optional<String> traceId() {
    return span.isRecording() ? Optional.of(span.getSpanContext().getTraceId())
        : Optional.empty();
  }

  /** A span under the request's, ended by the caller; invalid when the request is untraced. */
  Span childSpan(String name) {
    return span.isRecording() ? tracing.tracer().spanBuilder(name)
        .setParent(Context.root().with(span)).startSpan() : Span.getInvalid();
  }

  /** The request's ID, as the answer's {@code X-Request-Id} says. */
  public String id() {
    return id;
  }

  /**
   * Puts the request's ID, and its trace ID when traced, in this thread's MDC (see {@link
   * LogContext}) until closed: wrap the work done for the request on each thread it runs on.
   */
  public LogContext logContext() {
    return LogContext.of(id, traceId());
  }

  /**
   * Reads the request body, failing with 413 beyond {@code max} bytes (at once if its declared
   * length is larger), and with {@link Bodies#read}'s failures.
   */
  public CompletableFuture<byte[]> readBody(int max) {
    long declared = request.getLength();
    if (declared > max) {
      return CompletableFuture.failedFuture(new HttpError(413, "request body of " + declared
          + " bytes is larger than the " + max + " allowed"));
    }
    return Bodies.read(request, max, declared).whenComplete((b, failure) -> {
      if (failure == null) {
        body = Body.READ;
      } else if (!(failure instanceof HttpError e && e.status() == 413)) {
        body = Body.BROKEN;
      }
    });
  }

  /** Names the route, for the metrics and the request's span. */
  public void route(String name) {
    route = name;
    if (span.isRecording()) {
      RequestSpans.route(span, method(), name, path());
    }
  }

  public String path() {
    return request.getHttpURI().getPath();
  }

  public String method() {
    return request.getMethod();
  }

  boolean isHead() {
    return "HEAD".equals(request.getMethod());
  }

  /**
   * Names the route for metrics and logs, and refuses (405, with {@code Allow}) a method it does
   * not take.
   */
  public void route(String name, Set<String> methods) {
    route(name);
    if (!methods.contains(method())) {
      response.getHeaders().put(HttpHeader.ALLOW, String.join(", ", methods));
      throw new HttpError(405, method() + " is not allowed on " + path() + "; use "
          + String.join(" or ", methods));
    }
  }

  /** A query parameter, if present; an error if given more than once. */
  public String param(String name) {
    return query().get(name);
  }

  /** A query parameter as a canonical non-negative decimal, or {@code absent} if missing. */
  long longParam(String name, long absent) {
    return query().decimal(name, absent);
  }

  /** The query parameters, read once; a 400 if the query is not percent-encoded UTF-8. */
  QueryParams query() {
    if (query == null) {
      query = QueryParams.parse(request.getHttpURI().getQuery());
    }
    return query;
  }

  boolean accepts(String mediaType) {
    String accept = request.getHeaders().get(HttpHeader.ACCEPT);
    return accept != null && accept.contains(mediaType);
  }

  /** Answers with {@code body}, once. */
  public void send(int code, String contentType, String cacheControl, byte[] body) {
    send(code, contentType, cacheControl, ByteBuffer.wrap(body));
  }

  /**
   * Answers with the bytes {@code body} has remaining (it is not copied: leave it alone), once.
   * A request whose body is unread (refused before or while reading it) is answered at once,
   * and then the rest of its body is read and dropped, holding nothing, up to {@link
   * #DISCARD_LIMIT} bytes: a client still sending when the connection closes would get a
   * reset, and may lose the answer with it. A body of known length within the limit keeps the
   * connection for the next request; any other unread body closes it, and the answer says so.
   */
  void send(int code, String contentType, String cacheControl, ByteBuffer body) {
    if (!answered.compareAndSet(false, true)) {
      return;
    }
    long length = request.getLength();
    boolean unread = this.body != Body.READ
        && (length > 0 || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING));
    if (!unread) {
      write(code, contentType, cacheControl, body, false, callback);
    } else if (this.body == Body.BROKEN || request.getHeaders().contains(HttpHeader.EXPECT)) {
      // Nothing more comes: the body broke, or the client waits for a 100 it will not get.
      write(code, contentType, cacheControl, body, true, callback);
    } else {
      write(code, contentType, cacheControl, body, length < 0 || length > DISCARD_LIMIT,
          Callback.from(() -> {
            try {
              Bodies.discard(request, DISCARD_LIMIT)
                  .whenComplete((ended, failed) -> callback.succeeded());
            } catch (RuntimeException e) {
              callback.failed(e);
            }
          }, callback::failed));
    }
  }

  private void write(int code, String contentType, String cacheControl, ByteBuffer body,
      boolean close, Callback written) {
    response.setStatus(code);
    response.getHeaders().put(REQUEST_ID, id);
    if (span.isRecording()) {
      response.getHeaders().put(RequestSpans.TRACE_RESPONSE, RequestSpans.traceResponse(span));
    }
    if (close) {
      response.getHeaders().put(HttpHeader.CONNECTION, "close");
    }
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
    if (cacheControl != null) {
      response.getHeaders().put(HttpHeader.CACHE_CONTROL, cacheControl);
    }
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.remaining());
    response.write(true, isHead() ? ByteBuffer.allocate(0) : body, written);
    metrics.request(route, code, System.nanoTime() - started);
    if (pushedBack && code == 503) {
      metrics.pushback(route);
    }
    if (span.isRecording()) {
      RequestSpans.end(span, code);
    }
  }

  public void text(int code, String cacheControl, String text) {
    send(code, "text/plain; charset=utf-8", cacheControl, text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Answers with the status that fits {@code failure}, by its type: its own for {@link
   * HttpError}, 503 with {@code Retry-After} for pushback and timeouts, 400 for {@link
   * BadInputException}, 404 for {@link NotFoundException}, 500 with the reason for a log that
   * stopped ({@link StoppedException}), and 500 for anything else — unexpected, so logged with
   * the request ID, which the answer gives (and not the exception's message).
   */
  public void fail(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    switch (t) {
      case HttpError e -> error(e.status(), e.getMessage());
      case PushbackException e -> {
        long seconds = Math.max(1, (e.retryAfter().toMillis() + 999) / 1000);
        response.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString(seconds));
        pushedBack = !e.isFault();
        error(503, e.getMessage());
      }
      case TimeoutException e -> {
        response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
        pushedBack = true;
        error(503, "timed out waiting for the log; try again");
      }
      case BadInputException e -> error(400, e.getMessage());
      case NotFoundException e -> error(404, e.getMessage());
      case StoppedException e -> error(500, e.getMessage());
      default -> {
        span.recordException(t);
        try (LogContext c = logContext()) {
          LOG.error("{} {} failed (request {})", method(), path(), id, t);
        }
        error(500, "internal error (request " + id + "): " + t.getClass().getSimpleName());
      }
    }
  }

  /**
   * Answers {@code code} with {@code reason}; a traced 5xx answer names its trace ID too, by
   * which an operator finds what the request did.
   */
  public void error(int code, String reason) {
    String trace = code >= 500 ? traceId().map(tid -> " (trace " + tid + ")").orElse("") : "";
    text(code, "no-store", oneLine(reason) + trace + "\n");
  }

  static String oneLine(String s) {
    return oneLine(s, 500);
  }

  /** {@code s} on one line, cut at {@code max} characters. */
  static String oneLine(String s, int max) {
    String line = s == null ? "error" : s.replaceAll("[\\r\\n]+", " ");
    return line.length() > max ? line.substring(0, max) + "..." : line;
  }

  static String abbreviate(String s) {
    return abbreviate(s, 40);
  }

  /**
   * {@code s} for a one-line message: cut after {@code max} characters, anything but printable
   * ASCII replaced by {@code ?}.
   */
  public static String abbreviate(String s, int max) {
    String t = s.length() > max ? s.substring(0, max) + "..." : s;
    return t.replaceAll("[^\\x20-\\x7e]", "?");
  }
}
