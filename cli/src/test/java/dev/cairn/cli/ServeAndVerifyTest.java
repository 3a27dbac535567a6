package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code cairn serve} started through the real command line on a free port, then audited with
 * {@code cairn verify --url}, which must also catch a log that rewrote its history.
 */
class ServeAndVerifyTest {
  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void serveStartsALogThatVerifyAudits() throws Exception {
    Path data = dir.resolve("data");
    ServeCommand serve = new ServeCommand();
    java.io.StringWriter banner = new java.io.StringWriter();
    CommandLine cl = new CommandLine(serve);
    cl.setOut(new java.io.PrintWriter(banner, true));
    int port = LocalServers.freePort();
    String base = "http://127.0.0.1:" + port;
    CompletableFuture<Integer> running = CompletableFuture.supplyAsync(() -> cl.execute(
        "--data", data.toString(), "--listen", "127.0.0.1:" + port,
        "--origin", "example.com/test", "--checkpoint-interval", "50ms"));
    try {
      LocalServers.awaitHealthy(base);
      assertThat(banner.toString()).contains("serving example.com/test at " + base)
          .contains("curl --data-binary");
      assertThat(status(base + "/ui/")).as("the explorer is on by default").isEqualTo(200);
      assertThat(banner.toString()).contains("verify them in a browser: " + base + "/ui/");
      for (int i = 0; i < 300; i++) {
        assertThat(post(base + "/add", "entry " + i)).isEqualTo(i + "\n");
      }
      Path vkeys = data.resolve("log.vkey");
      assertThat(Files.readAllLines(vkeys)).hasSize(2)
          .allSatisfy(k -> assertThat(k).startsWith("example.com/test+"));
      awaitCheckpointSize(base, 300);
      Path state = dir.resolve("state");
      KeyCommandsTest.Result first = KeyCommandsTest.cairn("verify", "--url", base, "--vkey",
          vkeys.toString(), "--full", "--state", state.toString());
      assertThat(first.code()).as(first.err()).isZero();
      assertThat(first.out()).contains("size 300").contains("replay: all 300 entries")
          .endsWith("OK\n");
      post(base + "/add", "one more");
      awaitCheckpointSize(base, 301);
      KeyCommandsTest.Result second = KeyCommandsTest.cairn("verify", "--url", base, "--vkey",
          vkeys.toString(), "--state", state.toString());
      assertThat(second.code()).as(second.err()).isZero();
      assertThat(second.out()).contains("size 300 (from " + state + ") is a prefix of size 301");

      KeyCommandsTest.Result wrongKey = KeyCommandsTest.cairn("verify", "--url", base,
          "--vkey", "example.com/test+00000000+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
      assertThat(wrongKey.code()).isNotZero();
    } finally {
      serve.stop.countDown();
    }
    assertThat(running.get()).isZero();

    // A log that forked: a fresh log with the same keys but other entries, and a saved state
    // from the first one. verify must fail on consistency.
    Path forked = dir.resolve("forked");
    Files.createDirectories(forked.resolve("keys"));
    for (String f : List.of("keys/log.skey", "keys/log-mldsa44.skey", "log.vkey")) {
      Files.copy(data.resolve(f), forked.resolve(f));
    }
    ServeCommand serve2 = new ServeCommand();
    CommandLine cl2 = new CommandLine(serve2);
    cl2.setOut(new java.io.PrintWriter(new java.io.StringWriter(), true));
    int port2 = LocalServers.freePort();
    String base2 = "http://127.0.0.1:" + port2;
    CompletableFuture<Integer> running2 = CompletableFuture.supplyAsync(() -> cl2.execute(
        "--data", forked.toString(), "--listen", "127.0.0.1:" + port2,
        "--checkpoint-interval", "50ms", "--ui=false"));
    try {
      LocalServers.awaitHealthy(base2);
      assertThat(status(base2 + "/ui/")).as("--ui=false").isEqualTo(404);
      for (int i = 0; i < 400; i++) {
        post(base2 + "/add", "forked entry " + i);
      }
      awaitCheckpointSize(base2, 400);
      KeyCommandsTest.Result fork = KeyCommandsTest.cairn("verify", "--url", base2, "--vkey",
          data.resolve("log.vkey").toString(), "--state", dir.resolve("state").toString());
      assertThat(fork.code()).isEqualTo(VerifyCommand.FAILED);
      assertThat(fork.err()).contains("FAILED").contains("inconsistent");
    } finally {
      serve2.stop.countDown();
    }
    assertThat(running2.get()).isZero();
  }

  private int status(String url) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private String post(String url, String body) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body();
  }

  private void awaitCheckpointSize(String base, long size) throws Exception {
    Instant deadline = Instant.now().plusSeconds(30);
    while (Instant.now().isBefore(deadline)) {
      String cp = http.send(HttpRequest.newBuilder(URI.create(base + "/checkpoint")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      if (Long.parseLong(cp.lines().skip(1).findFirst().orElseThrow()) >= size) {
        return;
      }
    }
    throw new AssertionError("no checkpoint of size " + size + " at " + base);
  }

}
