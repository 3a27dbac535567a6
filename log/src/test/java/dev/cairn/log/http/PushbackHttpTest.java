package dev.cairn.log.http;

import static dev.cairn.log.testing.LogClient.assertError;
import static dev.cairn.log.testing.LogClient.header;
import static dev.cairn.log.testing.LogClient.text;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.log.LogConfig;
import dev.cairn.log.TransparencyLog;
import dev.cairn.log.sequencing.SequencerConfig;
import dev.cairn.log.testing.LogClient;
import dev.cairn.log.testing.Poll;
import dev.cairn.tile.Bundles;
import dev.cairn.tile.EntryBundle;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the log cannot take writes — its pool is full, or its storage fails — it answers 503
 * with Retry-After, changes nothing, reports not-ready, and recovers without a gap.
 */
class PushbackHttpTest {
  @TempDir Path dir;
  private TransparencyLog log;
  private LogServer server;
  private LogClient client;

  private void start(SequencerConfig sequencing) throws Exception {
    log = TransparencyLog.open(new LogConfig(dir, Optional.of("example.com/pushback-test"),
        sequencing, Duration.ofMillis(20), Clock.systemUTC()));
    server = LogServer.start(log, HttpConfig.defaults("127.0.0.1", 0));
    client = new LogClient(server.port());
  }

  @AfterEach
  void stop() throws Exception {
    // The log first: closing it sequences what is pooled and answers the waiting requests.
    if (log != null) {
      log.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private static void assertRetryAfter(HttpResponse<byte[]> r) {
    assertThat(Long.parseLong(header(r, "Retry-After"))).isPositive();
  }

  @Test
  void aFullPoolAnswers503WithRetryAfterAndPoolsNothing() throws Exception {
    // Batches of 2 at most once a minute, at most 2 waiting: the first entry is sequenced at
    // once, the second waits for the next minute, and a batch of two more does not fit.
    start(new SequencerConfig(Duration.ofMinutes(1), 2, 2));
    assertThat(text(client.post("/add", "first".getBytes(UTF_8)))).isEqualTo("0\n");
    CompletableFuture<HttpResponse<byte[]>> waiting =
        client.postAsync("/add", "waiting".getBytes(UTF_8));
    Poll.until("the second entry to be pooled", Duration.ofSeconds(10),
        () -> log.sequencer().poolDepth() == 1);

    HttpResponse<byte[]> r = client.post("/add-batch",
        Bundles.encode(List.of("x".getBytes(UTF_8), "y".getBytes(UTF_8))));
    assertThat(assertError(r, 503)).contains("pool is full");
    assertRetryAfter(r);
    assertThat(log.sequencer().poolDepth()).isEqualTo(1);
    assertThat(log.sequencer().sequenced().size()).isEqualTo(1);
    assertThat(waiting).isNotDone();

    log.close();
    assertThat(text(waiting.get(10, TimeUnit.SECONDS))).isEqualTo("1\n");
  }

  /**
   * When tiles cannot be written, entries already in the sequence log stay acknowledged, and
   * from the first failed tile write on, writes get 503 and the log is not ready; it heals by
   * itself with no gap and no leftover temporary files.
   */
  @Test
  void aFailingObjectStoreAnswers503AndNotReadyUntilItHeals() throws Exception {
    start(new SequencerConfig(Duration.ofMillis(2), 64, 1000));
    assertThat(text(client.post("/add", "a".getBytes(UTF_8)))).isEqualTo("0\n");

    Poll.until("a's tiles to be written", Duration.ofSeconds(10),
        () -> log.sequencer().integrated().size() == 1);
    // Every tile write goes through tiles/.tmp: a file in its place makes every write fail.
    Path tmp = dir.resolve("tiles/.tmp");
    Files.delete(tmp);
    Files.write(tmp, new byte[0]);

    List<String> acknowledged = new java.util.ArrayList<>(List.of("a"));
    HttpResponse<byte[]>[] failed = new HttpResponse[1];
    Poll.until("a write to be refused", Duration.ofSeconds(10), () -> {
      String entry = "entry " + acknowledged.size();
      HttpResponse<byte[]> r = client.post("/add", entry.getBytes(UTF_8));
      if (r.statusCode() == 200) {
        assertThat(text(r)).isEqualTo(acknowledged.size() + "\n");
        acknowledged.add(entry);
        return false;
      }
      failed[0] = r;
      return true;
    });
    assertThat(assertError(failed[0], 503)).contains("could not store")
        .contains("writing tiles failed");
    assertRetryAfter(failed[0]);
    assertThat(assertError(client.get("/readyz"), 503)).contains("writing tiles failed");
    assertThat(text(client.get("/metrics"))).contains("cairn_up 0.0");
    assertThat(log.sequencer().sequenced().size()).isEqualTo(acknowledged.size());

    Files.delete(tmp);
    Files.createDirectory(tmp);
    assertThat(text(client.post("/add", "healed".getBytes(UTF_8)))).as("no gap")
        .isEqualTo(acknowledged.size() + "\n");
    acknowledged.add("healed");
    Poll.until("readiness to return", Duration.ofSeconds(10),
        () -> client.get("/readyz").statusCode() == 200);

    int n = acknowledged.size();
    log.publisher().awaitSize(n).get(10, TimeUnit.SECONDS);
    HttpResponse<byte[]> bundle = client.get("/" + new EntryBundle(0, n).path());
    assertThat(Bundles.decode(bundle.body(), n)).extracting(e -> new String(e, UTF_8))
        .containsExactlyElementsOf(acknowledged);
    try (var leftovers = Files.list(tmp)) {
      assertThat(leftovers).isEmpty();
    }
  }
}
