package dev.cairn.log.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A real HTTP/1.1 client ({@link HttpClient}) for a log listening on loopback. */
public final class LogClient {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final HttpClient http;
  private final URI base;

  /** A client for {@code http://127.0.0.1:<port>}. */
  public LogClient(int port) {
    this.base = URI.create("http://127.0.0.1:" + port);
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** A client for {@code https://127.0.0.1:<port>} trusting what {@code tls} trusts. */
  public LogClient(int port, javax.net.ssl.SSLContext tls) {
    this.base = URI.create("https://127.0.0.1:" + port);
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).sslContext(tls).build();
  }

  /** GET {@code pathAndQuery} with headers given as name, value pairs. */
  public HttpResponse<byte[]> get(String pathAndQuery, String... headers) {
    return send(request(pathAndQuery, headers).GET());
  }

  /** HEAD {@code path}. */
  public HttpResponse<byte[]> head(String path) {
    return send(request(path).HEAD());
  }

  /** POST {@code body} to {@code path}. */
  public HttpResponse<byte[]> post(String path, byte[] body, String... headers) {
    return send(request(path, headers).POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  /** POST {@code body} to {@code path} chunked: with no {@code Content-Length}. */
  public HttpResponse<byte[]> postChunked(String path, byte[] body) {
    return send(request(path).POST(HttpRequest.BodyPublishers.fromPublisher(
        HttpRequest.BodyPublishers.ofByteArray(body))));
  }

  /** POST without waiting for the answer. */
  public CompletableFuture<HttpResponse<byte[]>> postAsync(String path, byte[] body,
      String... headers) {
    return http.sendAsync(
        request(path, headers).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private HttpRequest.Builder request(String pathAndQuery, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(pathAndQuery)).timeout(TIMEOUT);
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return b;
  }

  private HttpResponse<byte[]> send(HttpRequest.Builder b) {
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** The body as UTF-8 text. */
  public static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  /** A header that must be present. */
  public static String header(HttpResponse<?> r, String name) {
    return r.headers().firstValue(name)
        .orElseThrow(() -> new AssertionError("no " + name + " header in " + r));
  }

  /**
   * Asserts an error answer: {@code status}, plain text, exactly one non-empty line saying why.
   *
   * @return the reason
   */
  public static String assertError(HttpResponse<byte[]> r, int status) {
    String body = text(r);
    assertThat(r.statusCode()).as("status of %s, body %s", r.uri(), body).isEqualTo(status);
    assertThat(header(r, "Content-Type")).startsWith("text/plain");
    assertThat(body).as("a one-line reason").endsWith("\n").hasLineCount(1);
    assertThat(body.strip()).hasSizeGreaterThan(10);
    return body.strip();
  }

  /** Parses the max-age of a Cache-Control header, in seconds. */
  public static long maxAge(HttpResponse<?> r) {
    for (String part : header(r, "Cache-Control").split(",")) {
      String p = part.strip();
      if (p.startsWith("max-age=")) {
        return Long.parseLong(p.substring("max-age=".length()));
      }
    }
    throw new AssertionError("no max-age in " + header(r, "Cache-Control"));
  }
}
