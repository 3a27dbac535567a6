package dev.cairn.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.log.http.LogServer;
import dev.cairn.log.TransparencyLog;
import dev.cairn.merkle.Hash;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Go auditor against a running Cairn log: {@link TransparencyLog} and {@link LogServer} in
 * this JVM on a loopback port, written to over real HTTP. Go checks the checkpoint signature
 * with the key from {@code log.vkey}, recomputes the root from the served tiles, checks every
 * bundle, proves earlier checkpoints consistent with {@code tlog.ProveTree} over the tiles and
 * {@code tlog.CheckTree}, and checks the server's own {@code /proof/consistency} and {@code
 * /proof/inclusion} answers. The same audit fails on checkpoints that do not fit the log and on
 * tampered server proofs.
 */
class LiveLogAuditTest {
  private static final String ORIGIN = LiveLog.ORIGIN;

  /** A small log shared by the negative tests: checkpoint {@code earlier}, then more entries. */
  @TempDir static Path shared;
  private static LiveLog small;
  private static byte[] earlier;

  @BeforeAll
  static void startSmallLog() throws Exception {
    small = LiveLog.start(shared.resolve("data"));
    small.write("small a", 150, 10);
    earlier = small.client.checkpoint();
    small.write("small b", 150, 10);
  }

  @AfterAll
  static void stopSmallLog() throws Exception {
    if (small != null) {
      small.close();
    }
  }

  @Test
  void goAuditsRunningLogAsItGrows(@TempDir Path tmp) throws Exception {
    try (LiveLog live = LiveLog.start(tmp.resolve("data"))) {
      live.write("first", 1_200, 19);
      byte[] first = live.client.checkpoint();
      assertThat(size(first)).isEqualTo(1_201);

      GoTool.Result r = live.audit();

      assertThat(r.exitCode()).as(r::describe).isZero();
      assertThat(r.stdout()).as(r::describe).contains(
          "checkpoint " + ORIGIN + " 1201 ", "signatures verified=1 unknown=1\n",
          "tree hash ok\n", "tiles ok\n", "bundles 5 entries 1201 ok\n",
          "server proofs inclusion=16 consistency=0 ok\n");

      // Past a full level-1 tile (65,536 entries), in batches of 1,000.
      live.write("second", 66_000, 1_000);
      byte[] second = live.client.checkpoint();
      assertThat(size(second)).isEqualTo(67_202);
      Path previous = tmp.resolve("first");
      Files.write(previous, first);
      Path history = tmp.resolve("history");
      Files.createDirectories(history);
      int nonEmpty = 0;
      List<LogClient.HistoryEntry> published = live.client.history(1_000);
      for (LogClient.HistoryEntry e : published) {
        Files.write(history.resolve("size-" + e.size()), e.note());
        nonEmpty += e.size() > 0 ? 1 : 0;
      }

      r = live.audit("-previous", previous.toString(), "-previous", history.toString());

      assertThat(r.exitCode()).as(r::describe).isZero();
      assertThat(r.stdout()).as(r::describe).contains(
          "checkpoint " + ORIGIN + " 67202 ", "tree hash ok\n", "tiles ok\n",
          "bundles 263 entries 67202 ok\n",
          "previous " + (1 + published.size()) + " consistent ok\n",
          "server proofs inclusion=16 consistency=" + (1 + nonEmpty) + " ok\n");
      live.checkAcknowledged();
    }
  }

  @Test
  void goAcceptsEarlierCheckpointOfSmallLog(@TempDir Path tmp) throws IOException {
    Path previous = tmp.resolve("earlier");
    Files.write(previous, earlier);

    GoTool.Result r = small.audit("-previous", previous.toString());

    assertThat(r.exitCode()).as(r::describe).isZero();
    assertThat(r.stdout()).as(r::describe).contains("previous 1 consistent ok\n",
        "server proofs inclusion=16 consistency=1 ok\n");
  }

  @Test
  void goRejectsForkedCheckpointSignedByTheLog(@TempDir Path tmp) throws IOException {
    Checkpoint real = Checkpoint.parse(SignedNote.parse(earlier).text());
    byte[] root = real.root().toByteArray();
    root[0] ^= 1;
    Path fork = tmp.resolve("fork");
    Files.write(fork, sign(new Checkpoint(ORIGIN, real.size(), Hash.of(root)), logKey()));

    GoTool.Result r = small.audit("-previous", fork.toString());

    assertFails(r, "previous checkpoint " + fork + " (size " + real.size() + ", root ",
        "is not consistent with the audited one");
  }

  @Test
  void goRejectsLargerCheckpointSignedByTheLog(@TempDir Path tmp) throws Exception {
    long size = size(small.client.checkpoint());
    Path ahead = tmp.resolve("ahead");
    Files.write(ahead, sign(new Checkpoint(ORIGIN, size + 1, Hash.of(new byte[32])), logKey()));

    GoTool.Result r = small.audit("-previous", ahead.toString());

    assertFails(r, "has size " + (size + 1) + ", beyond the audited size " + size
        + ": the log rolled back");
  }

  @Test
  void goRejectsCheckpointSignedByAnotherKey(@TempDir Path tmp) throws IOException {
    SignerKey other = SignerKey.generate(ORIGIN, SignatureType.ED25519, new SecureRandom());
    Path foreign = tmp.resolve("foreign");
    Files.write(foreign, sign(Checkpoint.parse(SignedNote.parse(earlier).text()), other));

    GoTool.Result r = small.audit("-previous", foreign.toString());

    assertFails(r, "couldn't open previous checkpoint " + foreign + " note");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"proof/consistency", "proof/inclusion"})
  void goRejectsTamperedServerProof(String route, @TempDir Path tmp) throws Exception {
    Path previous = tmp.resolve("earlier");
    Files.write(previous, earlier);
    try (TamperingProxy proxy = TamperingProxy.start(small.client.base(), "/" + route)) {
      GoTool.Result r = GoTool.run(GoTool.program("auditor"), "-vkey", small.vkey(), "-api",
          "-previous", previous.toString(), proxy.base().toString());

      assertFails(r, route.equals("proof/consistency")
          ? "server's answer to proof/consistency?old=" + size(earlier) + "&new="
          : "server's inclusion proof of entry 0 in size ");
      assertThat(proxy.tampered()).isPositive();
    }
  }

  private static void assertFails(GoTool.Result r, String... reasons) {
    assertThat(r.exitCode()).as(r::describe).isEqualTo(1);
    assertThat(r.stderr()).as(r::describe).startsWith("auditor: FAIL: ").contains(reasons);
  }

  private static long size(byte[] note) {
    return LiveLog.size(note);
  }

  private static SignerKey logKey() throws IOException {
    return SignerKey.parse(Files.readString(small.log.dataDir().resolve("keys/log.skey")));
  }

  private static byte[] sign(Checkpoint c, SignerKey key) {
    return SignedNote.sign(c.format(), List.of(key.signer())).encode();
  }

  /**
   * An HTTP proxy to a log that flips one bit in the first hash of every proof answered on one
   * route: the first line of a consistency proof, the first proof line of a tlog-proof.
   */
  private static final class TamperingProxy implements AutoCloseable {
    private final HttpServer server;
    private final HttpClient client = HttpClient.newHttpClient();
    private final java.util.concurrent.atomic.AtomicInteger tampered =
        new java.util.concurrent.atomic.AtomicInteger();

    private TamperingProxy(HttpServer server) {
      this.server = server;
    }

    static TamperingProxy start(URI target, String route) throws IOException {
      HttpServer server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      TamperingProxy proxy = new TamperingProxy(server);
      server.createContext("/", exchange -> {
        try (exchange) {
          String path = exchange.getRequestURI().getRawPath();
          String query = exchange.getRequestURI().getRawQuery();
          HttpResponse<byte[]> r = proxy.client.send(HttpRequest.newBuilder(
              target.resolve(path.substring(1) + (query == null ? "" : "?" + query))).build(),
              HttpResponse.BodyHandlers.ofByteArray());
          byte[] body = r.body();
          if (path.equals(route) && r.statusCode() == 200) {
            body = flipFirstHash(body);
            proxy.tampered.incrementAndGet();
          }
          exchange.sendResponseHeaders(r.statusCode(), body.length == 0 ? -1 : body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException(e);
        }
      });
      server.start();
      return proxy;
    }

    URI base() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    int tampered() {
      return tampered.get();
    }

    /** Flips bit 0 of the first line that is a base64 hash. */
    private static byte[] flipFirstHash(byte[] body) {
      String[] lines = new String(body, StandardCharsets.UTF_8).split("\n", -1);
      for (int i = 0; i < lines.length; i++) {
        if (lines[i].length() == 44 && lines[i].endsWith("=")) {
          byte[] h = Base64.getDecoder().decode(lines[i]);
          h[0] ^= 1;
          lines[i] = Base64.getEncoder().encodeToString(h);
          break;
        }
      }
      return String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
      server.stop(0);
      client.close();
    }
  }
}
