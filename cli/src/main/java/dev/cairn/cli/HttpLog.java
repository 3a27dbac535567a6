package dev.cairn.cli;

import dev.cairn.tile.HashTile;
import dev.cairn.tile.TilePath;
import dev.cairn.tile.TileReader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;

/** A tiled log read over HTTP: the checkpoint, tiles, bundles and proof endpoints. */
final class HttpLog implements TileReader {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final String base;
  private final HttpClient client;

  HttpLog(String url, java.util.Optional<java.nio.file.Path> caCert) {
    String b = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    if (!b.startsWith("http://") && !b.startsWith("https://")) {
      throw new CliException(CliException.USAGE, "--url must start with http:// or https://");
    }
    this.base = b;
    this.client = HttpClients.builder(caCert, TIMEOUT)
        .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
  }

  /** GETs {@code path} (relative to the log's prefix) and returns the body of a 200 answer. */
  byte[] get(String path) throws IOException {
    HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/" + path)).timeout(TIMEOUT)
        .GET().build();
    HttpResponse<byte[]> resp;
    try {
      resp = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted fetching " + path);
    }
    if (resp.statusCode() != 200) {
      String reason = new String(resp.body(), java.nio.charset.StandardCharsets.UTF_8).strip();
      throw new IOException("GET " + base + "/" + path + " answered " + resp.statusCode()
          + (reason.isEmpty() ? "" : ": " + reason.lines().findFirst().orElse("")));
    }
    return resp.body();
  }

  byte[] get(TilePath tile) throws IOException {
    return get(tile.path());
  }

  @Override
  public byte[] readTile(HashTile tile) throws IOException {
    return get(tile);
  }

  String base() {
    return base;
  }
}
