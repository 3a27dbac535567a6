package dev.cairn.witness;

import dev.cairn.log.http.HttpConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Optional;

/** A witness on a data directory and a logs file, served on a free loopback port. */
final class RunningWitness implements AutoCloseable {
  final Path data;
  final Path logsFile;
  final LogsFile logs;
  final Witness witness;
  final WitnessServer server;
  final WitnessMetrics metrics = new WitnessMetrics();
  final HttpClient client = HttpClient.newHttpClient();

  /** An answer. */
  record Answer(int status, String body, HttpResponse<byte[]> raw) {}

  RunningWitness(Path data, Path logsFile, double perLogPerSecond, Clock clock)
      throws Exception {
    this(data, logsFile, perLogPerSecond, 0, clock);
  }

  RunningWitness(Path data, Path logsFile, double perLogPerSecond, double perAddressPerSecond,
      Clock clock) throws Exception {
    this.data = data;
    this.logsFile = logsFile;
    Files.createDirectories(data);
    dev.cairn.log.storage.embedded.DataDirLock lock =
        dev.cairn.log.storage.embedded.DataDirLock.acquire(data);
    WitnessKeys keys = WitnessKeys.openOrCreate(data, Optional.of("witness.example/w1"),
        new SecureRandom());
    this.logs = LogsFile.open(logsFile);
    this.witness = Witness.open(lock, data, keys, logs, clock, perLogPerSecond, metrics);
    this.server = WitnessServer.start(witness, metrics, HttpConfig.defaults("127.0.0.1", 0),
        perAddressPerSecond);
  }

  RunningWitness(Path data, Path logsFile) throws Exception {
    this(data, logsFile, 0, Clock.systemUTC());
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  Answer post(byte[] body) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri("/add-checkpoint"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
  }

  Answer get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri(path)).GET().build());
  }

  Answer send(HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    return new Answer(r.statusCode(), new String(r.body(), StandardCharsets.UTF_8), r);
  }

  @Override
  public void close() throws Exception {
    server.close();
    logs.close();
    witness.close();
    client.close();
  }
}
