package dev.cairn.log.http;

import static dev.cairn.log.testing.LogClient.assertError;
import static dev.cairn.log.testing.LogClient.header;
import static dev.cairn.log.testing.LogClient.maxAge;
import static dev.cairn.log.testing.LogClient.text;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.log.LogConfig;
import dev.cairn.log.TransparencyLog;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import dev.cairn.merkle.ProofVerifier;
import dev.cairn.merkle.Proofs;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.VerifierKey;
import dev.cairn.proof.TlogProof;
import dev.cairn.log.sequencing.SequencerConfig;
import dev.cairn.log.testing.LogClient;
import dev.cairn.testing.NaiveTree;
import dev.cairn.log.testing.Poll;
import dev.cairn.tile.Bundles;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TileHashReader;
import dev.cairn.tile.TileLayout;
import dev.cairn.tile.TileReader;
import dev.cairn.verify.LogVerifier;
import dev.cairn.verify.VerificationException;
import dev.cairn.verify.VerifiedCheckpoint;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every endpoint of one running log over real HTTP: a Jetty server on loopback, a data directory
 * with fsync'd files, and {@link java.net.http.HttpClient}. Answers are checked with the offline
 * verifier and the tree math, never against the server's own objects.
 */
class LogServerTest {
  static final String ORIGIN = "example.com/cairn-http-test";
  static final int MAX_BATCH_ENTRIES = 1000;
  static final int MAX_BATCH_BYTES = 1 << 20;
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static TransparencyLog log;
  static LogServer server;
  static LogClient client;
  static List<VerifierKey> vkeys;
  static LogVerifier verifier;

  @BeforeAll
  static void start() throws Exception {
    log = TransparencyLog.open(new LogConfig(dir, Optional.of(ORIGIN),
        new SequencerConfig(Duration.ofMillis(5), 1024, 65_536), Duration.ofMillis(20),
        Clock.systemUTC()));
    HttpConfig d = HttpConfig.DEFAULTS;
    server = LogServer.start(log, new HttpConfig("127.0.0.1", 0, MAX_BATCH_ENTRIES,
        MAX_BATCH_BYTES, d.maxBodyBytesInFlight(), d.maxHeaderBytes(), d.maxConnections(),
        d.maxConnectionsPerAddress(), d.idleTimeout(), Duration.ofSeconds(10), Optional.empty()));
    client = new LogClient(server.port());
    vkeys = Files.readAllLines(dir.resolve("log.vkey"), UTF_8).stream()
        .filter(l -> !l.isBlank()).map(VerifierKey::parse).toList();
    verifier = LogVerifier.ofLogKeys(vkeys);
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
    log.close();
  }

  static byte[] fresh(String label) {
    return (label + " " + UUID.randomUUID()).getBytes(UTF_8);
  }

  static long treeSize() {
    return log.sequencer().sequenced().size();
  }

  /** Waits for a checkpoint of at least {@code size}, then fetches and verifies the served one. */
  static VerifiedCheckpoint awaitCheckpoint(long size) throws Exception {
    log.publisher().awaitSize(size).get(10, TimeUnit.SECONDS);
    HttpResponse<byte[]> r = client.get("/checkpoint");
    assertThat(r.statusCode()).isEqualTo(200);
    VerifiedCheckpoint v = verifier.verifyCheckpoint(r.body());
    assertThat(v.checkpoint().size()).isGreaterThanOrEqualTo(size);
    return v;
  }

  static long addText(byte[] entry) {
    HttpResponse<byte[]> r = client.post("/add", entry);
    assertThat(r.statusCode()).as("POST /add: %s", text(r)).isEqualTo(200);
    assertThat(text(r)).matches("(0|[1-9][0-9]*)\n");
    return Long.parseLong(text(r).strip());
  }

  static List<Long> addBatchText(List<byte[]> entries) {
    HttpResponse<byte[]> r = client.post("/add-batch", Bundles.encode(entries));
    assertThat(r.statusCode()).as("POST /add-batch: %s", text(r)).isEqualTo(200);
    return text(r).lines().map(Long::parseLong).toList();
  }

  static JsonNode json(HttpResponse<byte[]> r) throws IOException {
    assertThat(header(r, "Content-Type")).startsWith("application/json");
    return JSON.readTree(r.body());
  }

  static String enc(String s) {
    return URLEncoder.encode(s, UTF_8);
  }

  /** The published checkpoints from {@code /checkpoints}, oldest first, verified. */
  static List<VerifiedCheckpoint> publishedCheckpoints() throws Exception {
    JsonNode page = json(client.get("/checkpoints?limit=1000"));
    List<VerifiedCheckpoint> out = new ArrayList<>();
    for (JsonNode item : page.get("checkpoints")) {
      out.add(verifier.verifyCheckpoint(item.get("checkpoint").asText().getBytes(UTF_8)));
    }
    return out;
  }

  @Nested
  class CheckpointEndpoint {
    @Test
    void servesTheLatestCheckpointSignedWithBothKeysAndCachedBriefly() throws Exception {
      HttpResponse<byte[]> r = client.get("/checkpoint");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(header(r, "Content-Type")).isEqualTo("text/plain; charset=utf-8");
      assertThat(header(r, "Cache-Control")).contains("public");
      assertThat(maxAge(r)).isBetween(1L, 10L);
      VerifiedCheckpoint v = verifier.verifyCheckpoint(r.body());
      assertThat(v.checkpoint().origin()).isEqualTo(ORIGIN);
      assertThat(v.logSignatureTypes())
          .containsExactlyInAnyOrder(SignatureType.ED25519, SignatureType.MLDSA44_SUBTREE_V1);
      assertThat(SignedNote.parse(r.body()).signatures()).hasSize(2);
    }

    @Test
    void headAnswersLikeGetWithoutABody() {
      HttpResponse<byte[]> r = client.head("/checkpoint");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(header(r, "Content-Type")).isEqualTo("text/plain; charset=utf-8");
      assertThat(Long.parseLong(header(r, "Content-Length"))).isPositive();
      assertThat(r.body()).isEmpty();
    }

    @Test
    void isReadOnly() {
      HttpResponse<byte[]> r = client.post("/checkpoint", new byte[] {1});
      assertError(r, 405);
      assertThat(header(r, "Allow")).contains("GET").contains("HEAD");
    }
  }

  @Nested
  class Tiles {
    /** Grows the log to a size with two full tiles and bundles and a partial one of width 100. */
    VerifiedCheckpoint grow(List<byte[]> mine, List<Long> indices) throws Exception {
      long current = treeSize();
      int count = 600 + Math.floorMod(100 - (current + 600), 256);
      for (int i = 0; i < count; i++) {
        mine.add(fresh("tile entry " + i));
      }
      indices.addAll(addBatchText(mine));
      return awaitCheckpoint(indices.getLast() + 1);
    }

    @Test
    void servedTilesAndBundlesRebuildTheCheckpoint() throws Exception {
      List<byte[]> mine = new ArrayList<>();
      List<Long> indices = new ArrayList<>();
      VerifiedCheckpoint cp = grow(mine, indices);
      long n = cp.checkpoint().size();
      assertThat(n % 256).isEqualTo(100);

      TileReader overHttp = tile -> {
        HttpResponse<byte[]> r = client.get("/" + tile.path());
        assertThat(r.statusCode()).as(tile.path()).isEqualTo(200);
        assertThat(header(r, "Content-Type")).isEqualTo("application/octet-stream");
        assertThat(header(r, "Cache-Control")).contains("immutable");
        assertThat(maxAge(r)).isGreaterThanOrEqualTo(86_400);
        assertThat(r.body()).hasSize(tile.width() * 32);
        return r.body();
      };
      assertThat(Proofs.treeHash(new TileHashReader(n, overHttp), n))
          .isEqualTo(cp.checkpoint().root());

      // Every bundle entry hashes to its level-0 tile hash, and the whole log is the tree signed.
      NaiveTree reference = new NaiveTree();
      List<byte[]> all = new ArrayList<>();
      for (long first = 0; first < n; first += 256) {
        EntryBundle bundle = TileLayout.bundleFor(first, n);
        HttpResponse<byte[]> b = client.get("/" + bundle.path());
        assertThat(b.statusCode()).as(bundle.path()).isEqualTo(200);
        assertThat(header(b, "Content-Type")).isEqualTo("application/octet-stream");
        assertThat(header(b, "Cache-Control")).contains("immutable");
        List<byte[]> entries = Bundles.decode(b.body(), bundle.width());
        byte[] tile = overHttp.readTile(TileLayout.tileFor(0, first, n));
        for (int i = 0; i < entries.size(); i++) {
          assertThat(Hasher.threadLocal().leaf(entries.get(i)).toByteArray())
              .as("entry %d", first + i)
              .isEqualTo(Arrays.copyOfRange(tile, i * 32, i * 32 + 32));
          reference.add(entries.get(i));
        }
        all.addAll(entries);
      }
      assertThat(reference.root((int) n)).isEqualTo(cp.checkpoint().root());
      for (int i = 0; i < mine.size(); i++) {
        assertThat(all.get(indices.get(i).intValue())).isEqualTo(mine.get(i));
      }
    }

    @Test
    void aNarrowerPartialTileIsAPrefixOfTheWiderOne() throws Exception {
      VerifiedCheckpoint cp = grow(new ArrayList<>(), new ArrayList<>());
      long last = cp.checkpoint().size() >>> 8;
      byte[] wide = client.get("/" + new HashTile(0, last, 100).path()).body();
      HttpResponse<byte[]> narrow = client.get("/" + new HashTile(0, last, 1).path());
      assertThat(narrow.statusCode()).isEqualTo(200);
      assertThat(narrow.body()).isEqualTo(Arrays.copyOf(wide, 32));
      HttpResponse<byte[]> bundle = client.get("/" + new EntryBundle(last, 3).path());
      assertThat(Bundles.decode(bundle.body(), 3)).hasSize(3);
    }

    @Test
    void tilesBeyondTheLatestCheckpointAreNotFound() throws Exception {
      VerifiedCheckpoint cp = grow(new ArrayList<>(), new ArrayList<>());
      long n = cp.checkpoint().size();
      long last = n >>> 8;
      for (String path : List.of(
          HashTile.full(0, last).path(),
          new HashTile(0, last, 101).path(),
          HashTile.full(0, last + 1).path(),
          new HashTile(1, 0, (int) (last + 1)).path(),
          new HashTile(2, 0, 1).path(),
          EntryBundle.full(last).path(),
          new EntryBundle(last, 101).path(),
          new EntryBundle(last + 5, 1).path(),
          "tile/0/x001/x000/000")) {
        assertThat(assertError(client.get("/" + path), 404)).as(path)
            .contains("not in the latest checkpoint");
      }
      assertThat(log.publisher().latest().checkpoint().size()).isEqualTo(n);
    }

    @Test
    void malformedTilePathsAreBadRequests() {
      for (String path : List.of("tile/00/000", "tile/0/x000/001", "tile/0/000.p/0",
          "tile/0/000.p/256", "tile/0/0000", "tile/0/00", "tile/64/000", "tile/0/x001",
          "tile/0/00a", "tile/entries/000.p/00", "tile/entries/000.p/", "tile/entries/x1/000",
          "tile/-1/000", "tile/0")) {
        assertThat(assertError(client.get("/" + path), 400)).as(path).contains("tile");
      }
    }
  }

  @Nested
  class Add {
    @Test
    void answersTheIndexAsTextAndTheSameIndexForAResubmission() {
      byte[] e = fresh("add text");
      HttpResponse<byte[]> r = client.post("/add", e);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(header(r, "Content-Type")).isEqualTo("text/plain; charset=utf-8");
      assertThat(header(r, "Cache-Control")).isEqualTo("no-store");
      long index = Long.parseLong(text(r).strip());
      long size = treeSize();
      assertThat(index).isLessThan(size);
      assertThat(addText(e.clone())).isEqualTo(index);
      assertThat(treeSize()).as("a resubmission adds nothing").isEqualTo(size);
    }

    @Test
    void withJsonAcceptAnswersAProofThatTheOfflineVerifierAccepts() throws Exception {
      byte[] e = fresh("add json");
      JsonNode j = json(client.post("/add", e, "Accept", "application/json"));
      long index = j.get("index").asLong();
      assertThat(j.get("duplicate").asBoolean()).isFalse();
      byte[] proof = j.get("proof").asText().getBytes(UTF_8);
      assertThat(TlogProof.parse(proof).index()).isEqualTo(index);
      VerifiedCheckpoint in = verifier.verifyProof(e, proof);
      assertThat(in.checkpoint().size()).isGreaterThan(index);
      assertThatThrownBy(() -> verifier.verifyProof(fresh("another entry"), proof))
          .isInstanceOfSatisfying(VerificationException.class, x ->
              assertThat(x.reason()).isEqualTo(VerificationException.Reason.NOT_INCLUDED));

      JsonNode again = json(client.post("/add", e, "Accept", "application/json"));
      assertThat(again.get("index").asLong()).isEqualTo(index);
      assertThat(again.get("duplicate").asBoolean()).isTrue();
      verifier.verifyProof(e, again.get("proof").asText().getBytes(UTF_8));
    }

    @Test
    void anEmptyBodyIsABadRequestAndChangesNothing() {
      long size = treeSize();
      assertThat(assertError(client.post("/add", new byte[0]), 400)).contains("empty");
      assertThat(treeSize()).isEqualTo(size);
    }

    @Test
    void theLargestEntryIsAcceptedAndOneByteMoreIsTooLarge() {
      long size = treeSize();
      byte[] tooLarge = new byte[65_536];
      Arrays.fill(tooLarge, (byte) 'x');
      assertError(client.post("/add", tooLarge), 413);
      assertThat(treeSize()).isEqualTo(size);
      assertThat(log.sequencer().poolDepth()).isZero();

      byte[] largest = Arrays.copyOf(fresh("largest"), 65_535);
      long index = addText(largest);
      assertThat(index).isEqualTo(size);
    }

    @Test
    void getIsNotAllowed() {
      HttpResponse<byte[]> r = client.get("/add");
      assertError(r, 405);
      assertThat(header(r, "Allow")).isEqualTo("POST");
    }
  }

  @Nested
  class AddBatch {
    @Test
    void answersOneIndexPerLineInOrderWithDuplicatesAtTheirFirstIndex() throws Exception {
      List<byte[]> entries = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        entries.add(fresh("batch " + i));
      }
      List<byte[]> sent = new ArrayList<>(entries);
      sent.add(entries.get(1).clone());
      HttpResponse<byte[]> r = client.post("/add-batch", Bundles.encode(sent));
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(header(r, "Content-Type")).isEqualTo("text/plain; charset=utf-8");
      List<Long> indices = text(r).lines().map(Long::parseLong).toList();
      long first = indices.getFirst();
      assertThat(indices).containsExactly(first, first + 1, first + 2, first + 3, first + 4,
          first + 1);

      awaitCheckpoint(first + 5);
      for (int i = 0; i < 5; i++) {
        HttpResponse<byte[]> p = client.get("/proof/inclusion?index=" + indices.get(i));
        verifier.verifyProof(entries.get(i), p.body());
      }
    }

    @Test
    void withJsonAcceptAnswersIndicesAndDuplicates() throws Exception {
      byte[] a = fresh("json batch a");
      long known = addText(a);
      byte[] b = fresh("json batch b");
      JsonNode j = json(client.post("/add-batch", Bundles.encode(List.of(b, a)),
          "Accept", "application/json"));
      assertThat(j.get("indices").get(1).asLong()).isEqualTo(known);
      assertThat(j.get("indices").get(0).asLong()).isGreaterThan(known);
      assertThat(j.get("duplicates").get(0).asBoolean()).isFalse();
      assertThat(j.get("duplicates").get(1).asBoolean()).isTrue();
    }

    @Test
    void malformedBatchesAreBadRequestsAndChangeNothing() {
      List<byte[]> tooMany = new ArrayList<>();
      for (int i = 0; i <= MAX_BATCH_ENTRIES; i++) {
        tooMany.add(("too many " + i).getBytes(UTF_8));
      }
      byte[] ok = Bundles.encode(List.of(fresh("ok")));
      Map<String, byte[]> bodies = new LinkedHashMap<>();
      bodies.put("an empty body", new byte[0]);
      bodies.put("a lone length byte", new byte[] {0});
      bodies.put("an entry then a cut-off length prefix", concat(ok, new byte[] {0}));
      bodies.put("a length longer than what follows", new byte[] {0, 5, 'a', 'b'});
      bodies.put("an empty entry after a good one", concat(ok, new byte[] {0, 0}));
      bodies.put("one entry more than allowed", Bundles.encode(tooMany));
      long size = treeSize();
      for (Map.Entry<String, byte[]> b : bodies.entrySet()) {
        HttpResponse<byte[]> r;
        try {
          r = client.post("/add-batch", b.getValue());
        } catch (java.io.UncheckedIOException e) {
          throw new AssertionError("POST /add-batch with " + b.getKey()
              + ": the connection ended without an answer", e);
        }
        assertThat(assertError(r, 400)).as(b.getKey()).isNotBlank();
      }
      assertThat(treeSize()).isEqualTo(size);
      assertThat(log.sequencer().poolDepth()).isZero();
    }

    @Test
    void aBodyOverTheLimitIsTooLarge() {
      long size = treeSize();
      // Its own client: the refused connection must not be pooled for the other tests.
      LogClient own = new LogClient(server.port());
      assertError(own.post("/add-batch", new byte[MAX_BATCH_BYTES + 1]), 413);
      assertThat(treeSize()).isEqualTo(size);
    }

    /**
     * A server that refuses a body without reading it may close the connection, but HTTP/1.1
     * (RFC 9112 section 9.6) requires it to say so with {@code Connection: close}; otherwise a
     * client that keeps connections alive sends its next request into a closed socket.
     */
    @Test
    void aRefusedUnreadBodyEitherClosesTheConnectionSayingSoOrKeepsItUsable() throws IOException {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
        s.setSoTimeout(10_000);
        var out = s.getOutputStream();
        out.write(("POST /add-batch HTTP/1.1\r\nHost: localhost\r\nContent-Length: "
            + (MAX_BATCH_BYTES + 1) + "\r\n\r\n").getBytes(UTF_8));
        try {
          byte[] chunk = new byte[8192];
          for (int sent = 0; sent <= MAX_BATCH_BYTES; sent += chunk.length) {
            out.write(chunk, 0, Math.min(chunk.length, MAX_BATCH_BYTES + 1 - sent));
          }
          out.flush();
        } catch (IOException e) {
          // The server may stop reading early; its answer is still owed.
        }
        var in = new java.io.BufferedInputStream(s.getInputStream());
        String head = readHead(in, "the 413 answer");
        assertThat(head).startsWith("HTTP/1.1 413");
        in.readNBytes(contentLength(head));
        if (head.toLowerCase(java.util.Locale.ROOT).contains("\r\nconnection: close")) {
          return;
        }
        String promise = "the 413 answer (" + head.strip().replace("\r\n", "; ")
            + ") did not say Connection: close";
        String next;
        try {
          out.write("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(UTF_8));
          out.flush();
          next = readHead(in, "the answer to a second request; " + promise);
        } catch (IOException e) {
          throw new AssertionError("a second request on the connection failed (" + e + "); "
              + promise, e);
        }
        assertThat(next).startsWith("HTTP/1.1 200");
      }
    }

    private static String readHead(java.io.InputStream in, String what) throws IOException {
      StringBuilder sb = new StringBuilder();
      while (!sb.toString().endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          throw new AssertionError("the server closed the connection before sending " + what
              + (sb.isEmpty() ? "" : "; it had sent: " + sb));
        }
        sb.append((char) b);
      }
      return sb.toString();
    }

    private static int contentLength(String head) {
      return head.lines().filter(l -> l.toLowerCase(java.util.Locale.ROOT)
          .startsWith("content-length:")).map(l -> Integer.parseInt(l.substring(15).strip()))
          .findFirst().orElse(0);
    }

    private static byte[] concat(byte[] a, byte[] b) {
      byte[] out = Arrays.copyOf(a, a.length + b.length);
      System.arraycopy(b, 0, out, a.length, b.length);
      return out;
    }
  }

  @Nested
  class InclusionProofs {
    @Test
    void proveAnEntryByIndexByHashAndInAnEarlierPublishedCheckpoint() throws Exception {
      byte[] e = fresh("proven");
      JsonNode added = json(client.post("/add", e, "Accept", "application/json"));
      long index = added.get("index").asLong();
      long grown = addText(fresh("grow"));
      awaitCheckpoint(grown + 1);

      HttpResponse<byte[]> latest = client.get("/proof/inclusion?index=" + index);
      assertThat(latest.statusCode()).isEqualTo(200);
      assertThat(header(latest, "Content-Type")).startsWith("text/plain");
      assertThat(maxAge(latest)).isBetween(1L, 10L);
      assertThat(verifier.verifyProof(e, latest.body()).checkpoint().size())
          .isGreaterThan(grown);

      long earlier = publishedCheckpoints().stream().mapToLong(c -> c.checkpoint().size())
          .filter(s -> s > index).min().orElseThrow();
      assertThat(earlier).isLessThanOrEqualTo(grown);
      HttpResponse<byte[]> atSize =
          client.get("/proof/inclusion?index=" + index + "&size=" + earlier);
      assertThat(atSize.statusCode()).isEqualTo(200);
      assertThat(header(atSize, "Cache-Control")).contains("immutable");
      assertThat(verifier.verifyProof(e, atSize.body()).checkpoint().size()).isEqualTo(earlier);

      String hash = enc(Hasher.threadLocal().leaf(e).toBase64());
      HttpResponse<byte[]> byHash = client.get("/proof/inclusion?hash=" + hash);
      assertThat(byHash.statusCode()).isEqualTo(200);
      assertThat(TlogProof.parse(byHash.body()).index()).isEqualTo(index);
      verifier.verifyProof(e, byHash.body());
    }

    @Test
    void badRequestsSayWhy() throws Exception {
      long index = addText(fresh("for bad requests"));
      long latest = awaitCheckpoint(index + 1).checkpoint().size();
      String hash = enc(Hasher.threadLocal().leaf(fresh("never added")).toBase64());
      String known = enc(Hasher.threadLocal().leaf("x".getBytes(UTF_8)).toBase64());

      assertError(client.get("/proof/inclusion"), 400);
      assertError(client.get("/proof/inclusion?index=0&hash=" + known), 400);
      assertError(client.get("/proof/inclusion?index=01"), 400);
      assertError(client.get("/proof/inclusion?index=-1"), 400);
      assertError(client.get("/proof/inclusion?index="), 400);
      assertError(client.get("/proof/inclusion?index=99999999999999999999"), 400);
      assertError(client.get("/proof/inclusion?index=0&index=0"), 400);
      assertError(client.get("/proof/inclusion?index=0&size=01"), 400);
      assertError(client.get("/proof/inclusion?hash=not-base64"), 400);
      assertThat(assertError(client.get("/proof/inclusion?index=" + (latest + 1000)), 400))
          .contains("not in the checkpoint");
      assertThat(assertError(
          client.get("/proof/inclusion?index=0&size=" + (latest + 1000)), 404))
          .contains("no checkpoint of size");
      assertError(client.get("/proof/inclusion?hash=" + hash), 404);
    }
  }

  @Nested
  class ConsistencyProofs {
    @Test
    void proveThatAnEarlierPublishedCheckpointIsAPrefixOfALaterOne() throws Exception {
      // Each in a checkpoint of its own, however the publication timer falls.
      awaitCheckpoint(addText(fresh("consistency a")) + 1);
      long i = addText(fresh("consistency b"));
      awaitCheckpoint(i + 1);
      List<VerifiedCheckpoint> published = publishedCheckpoints().stream()
          .filter(c -> c.checkpoint().size() > 0).toList();
      VerifiedCheckpoint older = published.getFirst();
      VerifiedCheckpoint newer = published.getLast();
      assertThat(older.checkpoint().size()).isLessThan(newer.checkpoint().size());

      List<Hash> proof = consistency(older.checkpoint().size(), newer.checkpoint().size());
      ProofVerifier.verifyConsistency(older.checkpoint().size(), newer.checkpoint().size(), proof,
          older.checkpoint().root(), newer.checkpoint().root());
      verifier.verifyConsistency(older, newer, proof);
      assertThatThrownBy(() -> verifier.verifyConsistency(older, newer, proof.subList(1,
          proof.size()))).isInstanceOf(VerificationException.class);

      assertThat(consistency(newer.checkpoint().size(), newer.checkpoint().size())).isEmpty();
    }

    private List<Hash> consistency(long oldSize, long newSize) {
      HttpResponse<byte[]> r =
          client.get("/proof/consistency?old=" + oldSize + "&new=" + newSize);
      assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
      assertThat(header(r, "Content-Type")).startsWith("text/plain");
      return text(r).lines().map(Hash::fromBase64).toList();
    }

    @Test
    void badSizesAreBadRequests() throws Exception {
      long i = addText(fresh("consistency bad"));
      long latest = awaitCheckpoint(i + 1).checkpoint().size();
      for (String q : List.of("old=0&new=" + latest, "old=2&new=1", "old=1&new=" + (latest + 1),
          "old=1", "new=" + latest, "", "old=x&new=2", "old=01&new=2", "old=1&old=1&new=2")) {
        assertError(client.get("/proof/consistency?" + q), 400);
      }
    }
  }

  @Nested
  class History {
    @Test
    void listsVerifiableCheckpointsOldestFirst() throws Exception {
      long i = addText(fresh("history"));
      awaitCheckpoint(i + 1);
      HttpResponse<byte[]> r = client.get("/checkpoints");
      assertThat(r.statusCode()).isEqualTo(200);
      JsonNode page = json(r);
      long previous = -1;
      String previousTime = "";
      for (JsonNode item : page.get("checkpoints")) {
        Checkpoint c = verifier.verifyCheckpoint(
            item.get("checkpoint").asText().getBytes(UTF_8)).checkpoint();
        assertThat(c.size()).isEqualTo(item.get("size").asLong()).isGreaterThan(previous);
        java.time.Instant t = java.time.Instant.parse(item.get("time").asText());
        if (!previousTime.isEmpty()) {
          assertThat(t).isAfterOrEqualTo(java.time.Instant.parse(previousTime));
        }
        previous = c.size();
        previousTime = item.get("time").asText();
      }
      assertThat(previous).isGreaterThan(i);
    }

    @Test
    void badParametersAreBadRequests() {
      for (String q : List.of("limit=0", "limit=1001", "limit=-1", "limit=ten", "after=01",
          "from=yesterday", "from=2030-13-01T00:00:00Z", "to=2030-01-01", "to=12:00:00Z",
          "from=1&from=2")) {
        assertError(client.get("/checkpoints?" + q), 400);
      }
    }
  }

  @Nested
  class Status {
    @Test
    void healthAndReadiness() {
      HttpResponse<byte[]> h = client.get("/healthz");
      assertThat(h.statusCode()).isEqualTo(200);
      assertThat(text(h)).isEqualTo("ok\n");
      HttpResponse<byte[]> r = client.get("/readyz");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(text(r)).isEqualTo("ready\n");
    }

    @Test
    void metricsCoverWritesCheckpointsAndRequestsByRouteAndCode() {
      addText(fresh("for metrics"));
      assertThat(client.get("/checkpoint").statusCode()).isEqualTo(200);
      assertThat(client.get("/no/such/thing").statusCode()).isEqualTo(404);

      String[] scraped = new String[1];
      Poll.until("the requests and the integration to be counted",
          Duration.ofSeconds(10), () -> {
        HttpResponse<byte[]> r = client.get("/metrics");
        scraped[0] = text(r);
        return r.statusCode() == 200
            && hasSample(scraped[0], "cairn_http_requests_total", "route=\"add\"", "code=\"200\"")
            && hasSample(scraped[0], "cairn_http_requests_total", "route=\"checkpoint\"",
                "code=\"200\"")
            && hasSample(scraped[0], "cairn_http_requests_total", "route=\"other\"",
                "code=\"404\"")
            // The entry's bundle and tile written and counted. A scrape reads one metric after
            // another, not at one instant: wait for one that shows the whole integration.
            && sample(scraped[0], "cairn_integrated_bytes_total") > 0
            && sample(scraped[0], "cairn_integration_objects_sum") >= 2
            && sample(scraped[0], "cairn_integration_seconds_count") >= 1;
      });
      String m = scraped[0];
      assertThat(header(client.get("/metrics"), "Content-Type")).startsWith("text/plain");
      assertThat(sample(m, "cairn_tree_size")).isGreaterThanOrEqualTo(1);
      assertThat(sample(m, "cairn_pool_depth")).isGreaterThanOrEqualTo(0);
      assertThat(sample(m, "cairn_pool_bytes")).isGreaterThanOrEqualTo(0);
      assertThat(sample(m, "cairn_integration_backlog_bytes")).isGreaterThanOrEqualTo(0);
      assertThat(sample(m, "cairn_http_body_bytes_in_flight")).isGreaterThanOrEqualTo(0);
      assertThat(sample(m, "cairn_checkpoint_age_seconds")).isGreaterThanOrEqualTo(0);
      assertThat(hasSample(m, "cairn_add_seconds_count", "wait=\"sequenced\"")).isTrue();
      assertThat(hasSample(m, "cairn_add_seconds_bucket", "le=\"+Inf\"")).isTrue();
    }

    private static boolean hasSample(String text, String name, String... labels) {
      return text.lines().anyMatch(l -> l.startsWith(name + "{")
          && Arrays.stream(labels).allMatch(l::contains));
    }

    private static double sample(String text, String name) {
      return text.lines().filter(l -> l.startsWith(name + " ")).findFirst()
          .map(l -> Double.parseDouble(l.substring(name.length() + 1).strip()))
          .orElseThrow(() -> new AssertionError("no " + name + " sample in\n" + text));
    }

    @Test
    void theHomePageNamesTheOriginAndTheVerifierKeys() {
      HttpResponse<byte[]> r = client.get("/");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(header(r, "Content-Type")).startsWith("text/html");
      String html = text(r);
      assertThat(html).contains(ORIGIN);
      for (VerifierKey k : vkeys) {
        assertThat(html).contains(k.encode());
      }
    }

    @Test
    void anUnknownPathIsNotFound() {
      assertThat(assertError(client.get("/no/such/thing"), 404)).contains("/no/such/thing");
      assertError(client.get("/checkpoint/"), 404);
    }
  }
}
