package dev.cairn.log.http;

import static dev.cairn.log.testing.LogClient.assertError;
import static dev.cairn.log.testing.LogClient.header;
import static dev.cairn.log.testing.LogClient.text;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.log.LogConfig;
import dev.cairn.log.TransparencyLog;
import dev.cairn.log.sequencing.SequencerConfig;
import dev.cairn.log.testing.LogClient;
import dev.cairn.log.testing.LoggedErrors;
import dev.cairn.log.testing.Poll;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fatal condition — here the object store holds other bytes where the log must write a full
 * bundle, so the stored log and the one being written disagree — stops the log's writes with a
 * clear reason instead of pushing back forever: /readyz says STOPPED and where the runbook is,
 * writes get 500 with the reason, reads go on, nothing is retried, and a restart refuses to go
 * on until an operator has dealt with it; afterwards every acknowledged entry is there. An
 * unexpected failure in a handler is a 500 naming the request ID the log line has.
 */
class FatalStopTest {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  @TempDir Path dir;
  private TransparencyLog log;
  private LogServer server;
  private LogClient client;
  @RegisterExtension final LoggedErrors logged = new LoggedErrors();


  private LogConfig config() {
    return new LogConfig(dir, Optional.of("example.com/fatal-test"),
        new SequencerConfig(Duration.ofMillis(2), 64, 10_000), Duration.ofMillis(20),
        Clock.systemUTC());
  }

  private void start() throws Exception {
    log = TransparencyLog.open(config());
    server = LogServer.start(log, HttpConfig.defaults("127.0.0.1", 0));
    client = new LogClient(server.port());
  }

  @AfterEach
  void stop() throws Exception {
    if (log != null) {
      log.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private List<Long> add(String tag, int n) {
    List<Long> indices = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      HttpResponse<byte[]> r = client.post("/add", (tag + " " + i).getBytes(UTF_8));
      assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
      indices.add(Long.parseLong(text(r).strip()));
    }
    return indices;
  }

  @Test
  void anObjectTheLogWouldHaveToOverwriteStopsWritesUntilAnOperatorActs() throws Exception {
    start();
    add("before", 100);
    // Another writer's bundle where this log's first full bundle goes.
    Path foreign = dir.resolve("tiles/tile/entries/000");
    Files.write(foreign, "not this log's entries".getBytes(UTF_8));

    List<Long> acknowledged = new ArrayList<>();
    HttpResponse<byte[]> refused = null;
    for (int i = 0; i < 400 && refused == null; i++) {
      HttpResponse<byte[]> r = client.post("/add", ("after " + i).getBytes(UTF_8));
      if (r.statusCode() == 200) {
        acknowledged.add(Long.parseLong(text(r).strip()));
      } else {
        refused = r;
      }
    }
    assertThat(refused).as("a write refused once the bundle could not be written").isNotNull();
    Poll.until("writes to be answered 500", DEADLINE, () -> client.post("/add",
        "one more".getBytes(UTF_8)).statusCode() == 500);
    HttpResponse<byte[]> stopped = client.post("/add", "and another".getBytes(UTF_8));
    assertThat(assertError(stopped, 500)).contains("the log stopped taking writes")
        .contains("conflicting write").contains(foreign.toString())
        .contains("When the log stops");
    assertThat(stopped.headers().firstValue("Retry-After")).as("not a passing fault").isEmpty();

    HttpResponse<byte[]> ready = client.get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(text(ready)).contains("integrator STOPPED since").contains("runbook")
        .contains("conflicting write");
    assertThat(text(client.get("/metrics")))
        .contains("cairn_fault{component=\"integrator\",kind=\"conflict\"} 1.0");
    assertThat(client.get("/checkpoint").statusCode()).as("reads go on").isEqualTo(200);
    assertThat(client.get("/tile/entries/000.p/100").statusCode()).isEqualTo(200);
    assertThat(Files.readString(foreign)).as("never overwritten")
        .isEqualTo("not this log's entries");
    List<String> stops = logged.messages().stream().filter(m -> m.contains("STOPPED")).toList();
    assertThat(stops).as("logged once, not retried").hasSize(1);
    assertThatThrownBy(() -> log.publisher().publishAsync().join())
        .as("nothing is signed or endorsed once the log stopped")
        .hasCauseInstanceOf(dev.cairn.log.StoppedException.class);

    server.close();
    server = null;
    log.close();
    log = null;
    assertThatThrownBy(() -> TransparencyLog.open(config()).close())
        .isInstanceOf(IOException.class).hasMessageContaining(foreign.toString());

    // The operator found the file is not the log's (cairn verify --data would say so) and
    // removed it: the log writes its own bundle and goes on with every acknowledged entry.
    Files.delete(foreign);
    start();
    assertThat(client.get("/readyz").statusCode()).isEqualTo(200);
    for (int i = 0; i < acknowledged.size(); i++) {
      HttpResponse<byte[]> again = client.post("/add", ("after " + i).getBytes(UTF_8));
      assertThat(Long.parseLong(text(again).strip())).as("entry 'after %d'", i)
          .isEqualTo(acknowledged.get(i));
    }
  }

  @Test
  void anUnexpectedFailureIsA500NamingTheRequestIdTheLogLineHas() throws Exception {
    start();
    add("entry", 300);
    Poll.until("a checkpoint of 300", DEADLINE,
        () -> log.publisher().latest().checkpoint().size() == 300);
    // Storage that lost a tile under the log: not the client's fault, and not expected.
    Files.delete(dir.resolve("tiles/tile/0/000"));
    HttpResponse<byte[]> r = client.get("/proof/inclusion?index=3");
    String id = header(r, "X-Request-Id");
    assertThat(id).matches("[0-9a-f]{16}");
    assertThat(assertError(r, 500)).isEqualTo("internal error (request " + id
        + "): NoSuchFileException");
    assertThat(logged.messages()).anySatisfy(m -> assertThat(m).contains("/proof/inclusion").contains(id));
    assertThat(header(client.get("/checkpoint"), "X-Request-Id")).isNotEqualTo(id);
  }
}
