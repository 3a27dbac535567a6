package dev.cairn.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.merkle.Hash;
import dev.cairn.tile.Bundles;
import dev.cairn.tile.EntryBundle;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * A client of a Cairn server's HTTP API over real loopback connections, strict about what it
 * accepts: an answer that is not what the API promises is a {@link BadAnswer}, never a default.
 * An {@link IOException} means the connection failed (for instance because the server was
 * killed), and says nothing about the log.
 */
final class LogClient implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** An answer the API does not allow, or an error status; 503 is the log's pushback. */
  static final class BadAnswer extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    BadAnswer(String request, int status, String why) {
      super(request + " answered " + status + ": " + why);
      this.status = status;
    }

    boolean isPushback() {
      return status == 503;
    }
  }

  /** One published checkpoint from {@code /checkpoints}. */
  record HistoryEntry(long size, Instant time, byte[] note) {}

  private final URI base;
  private final HttpClient http;
  private final java.util.Optional<String> authorization;

  /** A client of the server at {@code base}, which ends in a slash. */
  LogClient(URI base) {
    this(base, java.util.Optional.empty(), java.util.Optional.empty());
  }

  /**
   * A client of the server at {@code base}, trusting what {@code tls} trusts for an https base,
   * sending {@code authorization} (e.g. {@code Bearer <jwt>}) with every request.
   */
  LogClient(URI base, java.util.Optional<javax.net.ssl.SSLContext> tls,
      java.util.Optional<String> authorization) {
    this.base = base;
    HttpClient.Builder b = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .executor(Executors.newVirtualThreadPerTaskExecutor());
    tls.ifPresent(b::sslContext);
    this.http = b.build();
    this.authorization = authorization;
  }

  URI base() {
    return base;
  }

  /** {@code POST /add}: the index, once durably sequenced. */
  long add(byte[] entry) throws IOException, InterruptedException {
    String body = ok("POST /add", send(post("add", entry)));
    List<Long> indices = indexLines("POST /add", body);
    if (indices.size() != 1) {
      throw new BadAnswer("POST /add", 200, "expected one index line, got \"" + body + "\"");
    }
    return indices.get(0);
  }

  /**
   * {@code POST /add} with {@code Accept: application/json}: the index, once a published
   * checkpoint covers it.
   */
  long addAndAwaitCheckpoint(byte[] entry) throws IOException, InterruptedException {
    HttpRequest request = builder("add")
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(entry)).build();
    JsonNode json = JSON.readTree(ok("POST /add (JSON)", send(request)));
    if (!json.path("index").canConvertToLong()) {
      throw new BadAnswer("POST /add (JSON)", 200, "no index in " + json);
    }
    return json.get("index").asLong();
  }

  /** {@code POST /add-batch}: the index of each entry, in order. */
  List<Long> addBatch(List<byte[]> entries) throws IOException, InterruptedException {
    String what = "POST /add-batch of " + entries.size();
    List<Long> indices = indexLines(what, ok(what, send(post("add-batch",
        Bundles.encode(entries)))));
    if (indices.size() != entries.size()) {
      throw new BadAnswer(what, 200, indices.size() + " indices for " + entries.size()
          + " entries");
    }
    return indices;
  }

  /** {@code GET /checkpoint}: the signed note, as served. */
  byte[] checkpoint() throws IOException, InterruptedException {
    return okBytes("GET /checkpoint", send(get("checkpoint")));
  }

  /** {@code GET /policy}: the tlog-policy the log tells its clients to verify with. */
  byte[] policy() throws IOException, InterruptedException {
    return okBytes("GET /policy", send(get("policy")));
  }

  /** {@code GET /healthz} answered 200. */
  boolean healthy() throws IOException, InterruptedException {
    return send(get("healthz")).statusCode() == 200;
  }

  /** The entries of bundle {@code index} at {@code width}, decoded strictly. */
  List<byte[]> bundle(long index, int width) throws IOException, InterruptedException {
    String path = new EntryBundle(index, width).path();
    byte[] data = okBytes("GET /" + path, send(get(path)));
    try {
      return Bundles.decode(data, width);
    } catch (IllegalArgumentException e) {
      throw new BadAnswer("GET /" + path, 200, "not a bundle of " + width + ": "
          + e.getMessage());
    }
  }

  /** {@code GET /proof/consistency?old=&new=}: the proof's hashes. */
  List<Hash> consistency(long oldSize, long newSize) throws IOException, InterruptedException {
    String path = "proof/consistency?old=" + oldSize + "&new=" + newSize;
    String body = ok("GET /" + path, send(get(path)));
    List<Hash> proof = new ArrayList<>();
    if (body.isEmpty()) {
      return proof;
    }
    if (!body.endsWith("\n")) {
      throw new BadAnswer("GET /" + path, 200, "the last line has no newline");
    }
    for (String line : body.substring(0, body.length() - 1).split("\n", -1)) {
      try {
        proof.add(Hash.fromBase64(line));
      } catch (IllegalArgumentException e) {
        throw new BadAnswer("GET /" + path, 200, "\"" + line + "\": " + e.getMessage());
      }
    }
    return proof;
  }

  /**
   * Every page of {@code /checkpoints}, {@code limit} at a time, following {@code next} until it
   * is null.
   */
  List<HistoryEntry> history(int limit) throws IOException, InterruptedException {
    List<HistoryEntry> out = new ArrayList<>();
    String after = null;
    while (true) {
      String path = "checkpoints?limit=" + limit + (after == null ? "" : "&after=" + after);
      JsonNode page = JSON.readTree(ok("GET /" + path, send(get(path))));
      JsonNode items = page.get("checkpoints");
      JsonNode next = page.get("next");
      if (items == null || !items.isArray() || next == null) {
        throw new BadAnswer("GET /" + path, 200, "not a history page: " + page);
      }
      for (JsonNode item : items) {
        if (!item.path("size").canConvertToLong() || !item.path("time").isTextual()
            || !item.path("checkpoint").isTextual()) {
          throw new BadAnswer("GET /" + path, 200, "not a history entry: " + item);
        }
        Instant time;
        try {
          time = Instant.parse(item.get("time").asText());
        } catch (DateTimeParseException e) {
          throw new BadAnswer("GET /" + path, 200, "bad time in " + item);
        }
        out.add(new HistoryEntry(item.get("size").asLong(), time,
            item.get("checkpoint").asText().getBytes(StandardCharsets.UTF_8)));
      }
      if (next.isNull()) {
        return out;
      }
      if (!next.canConvertToLong() || items.isEmpty()) {
        throw new BadAnswer("GET /" + path, 200, "bad next " + next + " after "
            + items.size() + " checkpoints");
      }
      after = Long.toString(next.asLong());
    }
  }

  private HttpRequest.Builder builder(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT);
    authorization.ifPresent(a -> b.header("Authorization", a));
    return b;
  }

  private HttpRequest get(String path) {
    return builder(path).GET().build();
  }

  private HttpRequest post(String path, byte[] body) {
    return builder(path).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
  }

  private HttpResponse<byte[]> send(HttpRequest request) throws IOException,
      InterruptedException {
    return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String ok(String what, HttpResponse<byte[]> r) {
    return new String(okBytes(what, r), StandardCharsets.UTF_8);
  }

  private static byte[] okBytes(String what, HttpResponse<byte[]> r) {
    if (r.statusCode() != 200) {
      throw new BadAnswer(what, r.statusCode(),
          new String(r.body(), StandardCharsets.UTF_8).strip());
    }
    return r.body();
  }

  private static List<Long> indexLines(String what, String body) {
    if (!body.endsWith("\n")) {
      throw new BadAnswer(what, 200, "\"" + body + "\" does not end in a newline");
    }
    List<Long> out = new ArrayList<>();
    for (String line : body.substring(0, body.length() - 1).split("\n", -1)) {
      if (!line.matches("0|[1-9][0-9]{0,18}")) {
        throw new BadAnswer(what, 200, "\"" + line + "\" is not an index");
      }
      out.add(Long.parseLong(line));
    }
    return out;
  }

  @Override
  public void close() {
    http.close();
  }
}
