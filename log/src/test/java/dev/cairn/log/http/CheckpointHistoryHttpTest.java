package dev.cairn.log.http;

import static dev.cairn.log.testing.LogClient.assertError;
import static dev.cairn.log.testing.LogClient.text;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.log.LogConfig;
import dev.cairn.log.TransparencyLog;
import dev.cairn.merkle.Hash;
import dev.cairn.note.VerifierKey;
import dev.cairn.log.sequencing.SequencerConfig;
import dev.cairn.log.testing.LogClient;
import dev.cairn.log.testing.TestClock;
import dev.cairn.tile.Bundles;
import dev.cairn.verify.LogVerifier;
import dev.cairn.verify.VerifiedCheckpoint;
import java.io.IOException;
import java.net.Socket;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /checkpoints} over a history whose publication times the test controls: twelve
 * checkpoints one minute apart (sizes 1, 3, 6, ... 78) after the empty one. Publication is
 * driven by the test ({@code publisher().publish()}); the timer's interval is an hour.
 */
class CheckpointHistoryHttpTest {
  static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static final TestClock clock = new TestClock(T0);
  static TransparencyLog log;
  static LogServer server;
  static LogClient client;
  static LogVerifier verifier;
  /** The entries added, in index order. */
  static final List<byte[]> added = new ArrayList<>();

  static void open() throws Exception {
    log = TransparencyLog.open(new LogConfig(dir, Optional.of("example.com/history-test"),
        new SequencerConfig(Duration.ofMillis(2), 256, 10_000), Duration.ofHours(1), clock));
    server = LogServer.start(log, HttpConfig.defaults("127.0.0.1", 0));
    client = new LogClient(server.port());
  }

  static void close() throws Exception {
    server.close();
    log.close();
  }

  @BeforeAll
  static void buildHistory() throws Exception {
    open();
    verifier = LogVerifier.ofLogKeys(Files.readAllLines(dir.resolve("log.vkey"), UTF_8).stream()
            .filter(l -> !l.isBlank()).map(VerifierKey::parse).toList());
    for (int minute = 1; minute <= 12; minute++) {
      List<byte[]> batch = new ArrayList<>();
      for (int i = 0; i < minute; i++) {
        batch.add(("minute " + minute + " entry " + i).getBytes(UTF_8));
      }
      HttpResponse<byte[]> r = client.post("/add-batch", Bundles.encode(batch));
      assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
      assertThat(text(r).lines().map(Long::parseLong).toList()).first()
          .isEqualTo((long) added.size());
      added.addAll(batch);
      clock.advance(Duration.ofMinutes(1));
      log.publisher().publish();
    }
  }

  @AfterAll
  static void stop() throws Exception {
    close();
  }

  static long sizeAtMinute(int minute) {
    return (long) minute * (minute + 1) / 2;
  }

  static JsonNode page(String query) throws IOException {
    HttpResponse<byte[]> r = client.get("/checkpoints" + query);
    assertThat(r.statusCode()).as("/checkpoints%s: %s", query, text(r)).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  static List<Long> sizes(JsonNode page) {
    List<Long> out = new ArrayList<>();
    page.get("checkpoints").forEach(c -> out.add(c.get("size").asLong()));
    return out;
  }

  static List<Long> sizesFromMinute(int from, int toExclusive) {
    List<Long> out = new ArrayList<>();
    for (int m = from; m < toExclusive; m++) {
      out.add(sizeAtMinute(m));
    }
    return out;
  }

  static String enc(String s) {
    return URLEncoder.encode(s, UTF_8);
  }

  @Test
  void listsEveryCheckpointOldestFirst() throws IOException {
    JsonNode all = page("");
    assertThat(sizes(all)).isEqualTo(sizesFromMinute(0, 13));
    assertThat(all.get("next").isNull()).isTrue();
    for (int m = 0; m <= 12; m++) {
      assertThat(all.get("checkpoints").get(m).get("time").asText())
          .isEqualTo(T0.plus(Duration.ofMinutes(m)).toString());
    }
  }

  @Test
  void pagesFollowTheNextCursorToTheEnd() throws IOException {
    JsonNode first = page("?limit=5");
    assertThat(sizes(first)).isEqualTo(sizesFromMinute(0, 5));
    assertThat(first.get("next").asLong()).isEqualTo(sizeAtMinute(4));

    JsonNode second = page("?limit=5&after=" + first.get("next").asLong());
    assertThat(sizes(second)).isEqualTo(sizesFromMinute(5, 10));
    JsonNode third = page("?limit=5&after=" + second.get("next").asLong());
    assertThat(sizes(third)).isEqualTo(sizesFromMinute(10, 13));
    assertThat(third.get("next").isNull()).isTrue();

    assertThat(sizes(page("?after=" + sizeAtMinute(12)))).isEmpty();
    assertThat(sizes(page("?after=7"))).isEqualTo(sizesFromMinute(4, 13));
  }

  /**
   * A full page never changes (the history grows only at its end), so it is kept in memory and
   * may be cached by anyone: an anonymous reader paging through the history again costs the log
   * neither a read of the history nor the encoding. The last page changes as the log grows.
   */
  @Test
  void aFullPageIsCacheableAndTheLastIsNot() throws IOException {
    HttpResponse<byte[]> full = client.get("/checkpoints?limit=5&after=3");
    assertThat(full.headers().firstValue("Cache-Control")).hasValue("public, max-age=86400");
    HttpResponse<byte[]> last = client.get("/checkpoints?limit=50");
    assertThat(last.headers().firstValue("Cache-Control")).hasValue("no-cache");
    assertThat(client.get("/checkpoints?limit=5&after=3").body()).isEqualTo(full.body());
  }

  @Test
  void filtersByTimeGivenInRfc3339OrEpochSeconds() throws IOException {
    String from = "2030-01-01T00:03:00Z";
    String to = "2030-01-01T00:06:00Z";
    List<Long> threeToSix = sizesFromMinute(3, 6);
    assertThat(sizes(page("?from=" + from + "&to=" + to))).isEqualTo(threeToSix);
    long fromSeconds = T0.getEpochSecond() + 180;
    long toSeconds = T0.getEpochSecond() + 360;
    assertThat(sizes(page("?from=" + fromSeconds + "&to=" + toSeconds))).isEqualTo(threeToSix);
    assertThat(sizes(page("?from=" + enc("2030-01-01T01:03:00+01:00") + "&to=" + to)))
        .as("an RFC 3339 time with an offset").isEqualTo(threeToSix);
    assertThat(sizes(page("?from=2030-01-01T00:02:59.999Z&to=" + to)))
        .isEqualTo(sizesFromMinute(3, 6));

    assertThat(sizes(page("?from=" + from))).isEqualTo(sizesFromMinute(3, 13));
    assertThat(sizes(page("?to=" + from))).isEqualTo(sizesFromMinute(0, 3));
    assertThat(sizes(page("?from=" + from + "&after=" + sizeAtMinute(4))))
        .isEqualTo(sizesFromMinute(5, 13));
    assertThat(sizes(page("?from=" + from + "&limit=2"))).isEqualTo(sizesFromMinute(3, 5));
    assertThat(sizes(page("?from=2031-01-01T00:00:00Z"))).isEmpty();
  }

  @Test
  void badParametersAreBadRequests() {
    for (String q : List.of("limit=0", "limit=1001", "from=soon", "to=2030-01-01T24:61:00Z",
        "from=2030-01-01", "after=x")) {
      assertError(client.get("/checkpoints?" + q), 400);
    }
  }

  /** Found by fuzzing ({@code QueryParamsFuzzTest}, "%A0"): these were 500s. */
  @Test
  void aQueryThatIsNotPercentEncodedUtf8IsABadRequestNotAServerError() throws IOException {
    // Sent raw: java.net.URI refuses to build such a request.
    for (String q : List.of("after=%zz", "after=%", "to=%A0", "from=%C3%28", "limit=%E2%82")) {
      try (Socket s = new Socket("127.0.0.1", server.port())) {
        s.setSoTimeout(20_000);
        s.getOutputStream().write(("GET /checkpoints?" + q
            + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(UTF_8));
        String answer = new String(s.getInputStream().readAllBytes(), UTF_8);
        assertThat(answer).as(q).startsWith("HTTP/1.1 400 ")
            .contains("the query is not percent-encoded UTF-8");
      }
    }
  }

  @Test
  void aTimeBeyondTheStoredRangeIsABadRequestNotAServerError() {
    assertError(client.get("/checkpoints?from=" + enc("+300000000-01-01T00:00:00Z")), 400);
  }

  @Test
  void everyCheckpointVerifiesAndIsConsistentWithTheOneBefore() throws Exception {
    assertHistoryIsVerifiableAndConsistent(page("?limit=1000"));
  }

  static void assertHistoryIsVerifiableAndConsistent(JsonNode page) throws Exception {
    VerifiedCheckpoint previous = null;
    for (JsonNode item : page.get("checkpoints")) {
      VerifiedCheckpoint v =
          verifier.verifyCheckpoint(item.get("checkpoint").asText().getBytes(UTF_8));
      assertThat(v.checkpoint().size()).isEqualTo(item.get("size").asLong());
      if (previous != null) {
        List<Hash> proof = List.of();
        if (previous.checkpoint().size() > 0) {
          HttpResponse<byte[]> r = client.get("/proof/consistency?old="
              + previous.checkpoint().size() + "&new=" + v.checkpoint().size());
          assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
          proof = text(r).lines().map(Hash::fromBase64).toList();
        }
        verifier.verifyConsistency(previous, v, proof);
      }
      previous = v;
    }
  }

  @Test
  void historyCheckpointAndDedupSurviveARestart() throws Exception {
    byte[] historyBefore = client.get("/checkpoints?limit=1000").body();
    byte[] checkpointBefore = client.get("/checkpoint").body();

    close();
    clock.advance(Duration.ofMinutes(30));
    open();

    assertThat(client.get("/checkpoints?limit=1000").body()).isEqualTo(historyBefore);
    assertThat(client.get("/checkpoint").body()).isEqualTo(checkpointBefore);
    assertHistoryIsVerifiableAndConsistent(page("?limit=1000"));

    HttpResponse<byte[]> one = client.post("/add", added.get(40));
    assertThat(text(one)).isEqualTo("40\n");
    HttpResponse<byte[]> batch = client.post("/add-batch",
        Bundles.encode(List.of(added.get(77), added.get(0), added.get(3))));
    assertThat(text(batch)).isEqualTo("77\n0\n3\n");
    assertThat(log.sequencer().sequenced().size()).isEqualTo(added.size());
    assertThat(client.get("/checkpoints?limit=1000").body()).isEqualTo(historyBefore);
  }
}
