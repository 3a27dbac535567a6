package dev.cairn.log.http;

import static dev.cairn.log.testing.LogClient.assertError;
import static dev.cairn.log.testing.LogClient.header;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.cairn.log.LogConfig;
import dev.cairn.log.TransparencyLog;
import dev.cairn.log.sequencing.SequencerConfig;
import dev.cairn.log.testing.LogClient;
import dev.cairn.log.tracing.Tracing;
import dev.cairn.tile.EntryBundle;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * A line logged about a request carries its ID in the MDC ({@code request_id}), and its trace
 * ID ({@code trace_id}) when traced, whichever thread logs it, and the thread's MDC is clean
 * again afterwards.
 */
class RequestLogContextTest {
  @TempDir Path dir;

  @Test
  void aFailedRequestIsLoggedWithItsRequestId() throws Exception {
    Failed f = failRequest(Tracing.off());
    assertThat(f.body()).contains("request " + f.id()).doesNotContain("trace");
    assertThat(f.logged().getMDCPropertyMap()).containsEntry(LogContext.REQUEST_ID, f.id())
        .doesNotContainKey(LogContext.TRACE_ID);
  }

  @Test
  void aTracedFailedRequestIsLoggedWithItsTraceIdToo() throws Exception {
    try (Tracing tracing = Tracing.to("cairn-log", new SpanExporter() {
      @Override
      public CompletableResultCode export(Collection<SpanData> spans) {
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
      }
    })) {
      Failed f = failRequest(tracing);
      String traceId = f.traceResponse().split("-")[1];
      assertThat(traceId).matches("[0-9a-f]{32}");
      assertThat(f.body()).contains("request " + f.id()).contains("(trace " + traceId + ")");
      assertThat(f.logged().getMDCPropertyMap()).containsEntry(LogContext.REQUEST_ID, f.id())
          .containsEntry(LogContext.TRACE_ID, traceId);
    }
  }

  /** A request that failed unexpectedly: its answer and the line logged about it. */
  record Failed(String id, String body, String traceResponse, ILoggingEvent logged) {}

  private Failed failRequest(Tracing tracing) throws Exception {
    ListAppender<ILoggingEvent> events = new ListAppender<>();
    Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    events.start();
    root.addAppender(events);
    try (TransparencyLog log = TransparencyLog.open(new LogConfig(dir,
            Optional.of("example.com/mdc-test"), new SequencerConfig(Duration.ofMillis(5), 64,
            1000), Duration.ofMillis(20), Clock.systemUTC()).withTracing(tracing));
        LogServer server = LogServer.start(log, HttpConfig.defaults("127.0.0.1", 0))) {
      LogClient client = new LogClient(server.port());
      client.post("/add", "one".getBytes(UTF_8));
      log.publisher().awaitSize(1).get(10, TimeUnit.SECONDS);
      // The bundle's file becomes a directory: reading it fails in a way nothing expects.
      String path = new EntryBundle(0, 1).path();
      Path file = dir.resolve("tiles").resolve(path);
      Files.delete(file);
      Files.createDirectory(file);

      var r = client.get("/" + path);
      String id = header(r, "X-Request-Id");
      String body = assertError(r, 500);
      List<ILoggingEvent> logged;
      synchronized (events) {
        logged = List.copyOf(events.list);
      }
      return new Failed(id, body, r.headers().firstValue("traceresponse").orElse(""),
          logged.stream().filter(e -> e.getFormattedMessage().contains("failed (request "))
              .reduce((a, b) -> {
                throw new AssertionError("logged twice: " + a + ", " + b);
              }).orElseThrow());
    } finally {
      root.detachAppender(events);
    }
  }

  @Test
  void aContextInsideAnotherPutsBackWhatWasThere() {
    try (LogContext outer = LogContext.of("outer")) {
      try (LogContext inner = LogContext.of("inner")) {
        assertThat(MDC.get(LogContext.REQUEST_ID)).isEqualTo("inner");
        try (LogContext traced = LogContext.of("traced", Optional.of("0af7651916cd43dd"))) {
          assertThat(MDC.get(LogContext.TRACE_ID)).isEqualTo("0af7651916cd43dd");
        }
        assertThat(MDC.get(LogContext.TRACE_ID)).isNull();
      }
      assertThat(MDC.get(LogContext.REQUEST_ID)).isEqualTo("outer");
    }
    assertThat(MDC.get(LogContext.REQUEST_ID)).isNull();
  }
}
