package dev.cairn.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.cairn.note.NoteSigner;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignerKey;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Logs written by Cairn pass Go's sumdb audit: the checkpoint note opens with Go's note package,
 * Go's tlog recomputes the root from Cairn's tiles, every bundle entry hashes to its level-0
 * hash, and Go accepts Cairn's inclusion and consistency proofs.
 */
class CairnToGoTest {
  static final SignerKey LOG_KEY =
      SignerKey.generate(CairnLog.ORIGIN, SignatureType.ED25519, new SecureRandom());
  static final SignerKey PQ_KEY =
      SignerKey.generate(CairnLog.ORIGIN, SignatureType.MLDSA44_SUBTREE_V1, new SecureRandom());

  private static Path auditor;

  @BeforeAll
  static void buildAuditor() {
    auditor = GoTool.program("auditor");
  }

  static List<NoteSigner> signers() {
    return List.of(LOG_KEY.signer(), PQ_KEY.signer());
  }

  static Stream<Arguments> logs() {
    return Stream.of(
        Arguments.of(0, 1),
        Arguments.of(1, 1),
        Arguments.of(2, 2),
        Arguments.of(255, 255),
        Arguments.of(256, 256),
        Arguments.of(257, 257),
        Arguments.of(65_536 + 1_000, 65_536 + 1_000),
        // Published in uneven batches: old partial tiles stay behind, newer ones come from
        // partialTiles(previous size), and the builder is restored from the tiles each time.
        Arguments.of(70_000, 9_973),
        Arguments.of(1_000, 100));
  }

  @ParameterizedTest(name = "size {0}, published every {1}")
  @MethodSource("logs")
  void goAuditsCairnLog(long size, long batch, @TempDir Path tmp) throws IOException {
    CairnLog.Written log = CairnLog.write(tmp.resolve("log"), size, batch, signers());
    Path proofs = tmp.resolve("proofs");
    CairnLog.ProofCount count = CairnLog.writeProofs(log, proofs);

    GoTool.Result r = audit(log.dir().toString(), proofs);

    assertThat(r.exitCode()).as(r::describe).isZero();
    assertThat(r.stdout()).as(r::describe).contains(
        "checkpoint " + CairnLog.ORIGIN + " " + size + " " + log.checkpoint().root() + "\n",
        "signatures verified=1 unknown=1\n",
        "tree hash ok\n",
        "tiles ok\n",
        "bundles " + (size + 255) / 256 + " entries " + size + " ok\n",
        "proofs inclusion=" + count.inclusion() + " consistency=" + count.consistency()
            + " ok\n");
  }

  @Test
  void goAuditsCairnLogOverHttp(@TempDir Path tmp) throws IOException {
    Path root = tmp.resolve("www");
    CairnLog.Written log = CairnLog.write(root.resolve("logs/one"), 1_000, 300, signers());
    Path proofs = tmp.resolve("proofs");
    CairnLog.ProofCount count = CairnLog.writeProofs(log, proofs);
    Set<String> served = ConcurrentHashMap.newKeySet();
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      try (exchange) {
        Path file = root.resolve(exchange.getRequestURI().getPath().substring(1)).normalize();
        if (!file.startsWith(root) || !Files.isRegularFile(file)) {
          exchange.sendResponseHeaders(404, -1);
          return;
        }
        byte[] body = Files.readAllBytes(file);
        served.add(root.relativize(file).toString());
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    });
    server.start();
    GoTool.Result r;
    try {
      String base = "http://" + server.getAddress().getHostString() + ":"
          + server.getAddress().getPort() + "/logs/one/";
      r = audit(base, proofs);
    } finally {
      server.stop(0);
    }

    assertThat(r.exitCode()).as(r::describe).isZero();
    assertThat(r.stdout()).as(r::describe).contains(
        "bundles 4 entries 1000 ok\n",
        "proofs inclusion=" + count.inclusion() + " consistency=" + count.consistency()
            + " ok\n");
    assertThat(served).contains(
        "logs/one/checkpoint", "logs/one/tile/0/000", "logs/one/tile/0/003.p/232",
        "logs/one/tile/1/000.p/3", "logs/one/tile/entries/003.p/232");
  }

  private static GoTool.Result audit(String location, Path proofs) {
    return GoTool.run(auditor, "-vkey", LOG_KEY.verifierKey().encode(),
        "-proofs", proofs.toString(), location);
  }
}
