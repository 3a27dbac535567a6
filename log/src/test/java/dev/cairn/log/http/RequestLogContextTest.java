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
import dev.cairn.tile.EntryBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * A line logged about a request carries its ID in the MDC ({@code request_id}), whichever
 * thread logs it, and the thread's MDC is clean again afterwards.
 */
class RequestLogContextTest {
  @TempDir Path dir;

  @Test
  void aFailedRequestIsLoggedWithItsRequestId() throws Exception {
    ListAppender<ILoggingEvent> events = new ListAppender<>();
    Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    events.start();
    root.addAppender(events);
    try (TransparencyLog log = TransparencyLog.open(new LogConfig(dir,
            Optional.of("example.com/mdc-test"), new SequencerConfig(Duration.ofMillis(5), 64,
            1000), Duration.ofMillis(20), Clock.systemUTC()));
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
      assertThat(assertError(r, 500)).contains("request " + id);
      List<ILoggingEvent> logged;
      synchronized (events) {
        logged = List.copyOf(events.list);
      }
      assertThat(logged).filteredOn(e -> e.getFormattedMessage().contains("failed (request "))
          .singleElement().satisfies(e -> assertThat(e.getMDCPropertyMap())
              .containsEntry(LogContext.REQUEST_ID, id));
    } finally {
      root.detachAppender(events);
    }
  }

  @Test
  void aContextInsideAnotherPutsBackWhatWasThere() {
    try (LogContext outer = LogContext.of("outer")) {
      try (LogContext inner = LogContext.of("inner")) {
        assertThat(MDC.get(LogContext.REQUEST_ID)).isEqualTo("inner");
      }
      assertThat(MDC.get(LogContext.REQUEST_ID)).isEqualTo("outer");
    }
    assertThat(MDC.get(LogContext.REQUEST_ID)).isNull();
  }
}
