package dev.cairn.monitor.alert;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One JSON POST, bounded in time as a whole (connecting, sending, and reading the answer), for
 * the HTTP channels. Errors name the URL only as {@code shown}, so a URL that is a secret (a
 * Slack webhook) is never in them; the underlying exception is not chained for the same reason
 * (the JDK's messages may quote the URL), only its type and message with the URL cut out.
 */
final class JsonPost {
  private static final int MAX_REASON = 200;

  private JsonPost() {}

  /** A client for one channel: HTTP/1.1, no redirects (a 3xx is a failure), its own pool. */
  static HttpClient client(Duration connectTimeout) {
    return HttpClient.newBuilder().connectTimeout(connectTimeout)
        .version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /**
   * POSTs {@code body} to {@code url}; returns on a 2xx answer.
   *
   * @param shown the URL as errors may name it
   * @throws IOException naming {@code shown} and the status (with the first line of the answer),
   *     the timeout, or the error
   */
  static void post(HttpClient client, URI url, String shown, byte[] body,
      Map<String, String> headers, Duration timeout) throws IOException {
    HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(timeout)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(b::header);
    CompletableFuture<HttpResponse<byte[]>> answer =
        client.sendAsync(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    HttpResponse<byte[]> r;
    try {
      r = answer.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      answer.cancel(true);
      throw new IOException("POST " + shown + ": no answer within " + timeout.toMillis() + " ms");
    } catch (InterruptedException e) {
      answer.cancel(true);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("POST " + shown + " interrupted");
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof java.net.http.HttpTimeoutException) {
        // The client's own timeout, which races the one above: one message for both.
        throw new IOException("POST " + shown + ": no answer within " + timeout.toMillis()
            + " ms");
      }
      throw new IOException("POST " + shown + " failed: " + c.getClass().getSimpleName()
          + (c.getMessage() == null ? "" : ": " + scrub(c.getMessage(), url, shown)));
    }
    if (r.statusCode() / 100 != 2) {
      throw new IOException("POST " + shown + " answered " + r.statusCode() + reason(r.body()));
    }
  }

  /** {@code message} with {@code url}, and its path and query if {@code shown} hides them, cut. */
  static String scrub(String message, URI url, String shown) {
    String s = message.replace(url.toString(), shown);
    for (String part : new String[] {url.getRawPath(), url.getRawQuery(), url.getRawUserInfo()}) {
      if (part != null && part.length() > 1 && !shown.contains(part)) {
        s = s.replace(part, "<redacted>");
      }
    }
    return s;
  }

  /** The first line of an answer, capped, for an error message. */
  private static String reason(byte[] body) {
    String s = new String(body, 0, Math.min(body.length, MAX_REASON * 4),
        StandardCharsets.UTF_8).strip();
    int nl = s.indexOf('\n');
    s = (nl < 0 ? s : s.substring(0, nl)).strip().replaceAll("\\p{Cntrl}", "?");
    if (s.length() > MAX_REASON) {
      s = s.substring(0, MAX_REASON) + "...";
    }
    return s.isEmpty() ? "" : ": " + s;
  }

  /** {@code scheme://host[:port]}: a URL with its path, query and user info cut off. */
  static String origin(URI url) {
    return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort());
  }

  /** {@code scheme://host[:port]/path}: a URL with its query and user info cut off. */
  static String withoutQuery(URI url) {
    return origin(url) + (url.getRawPath() == null ? "" : url.getRawPath());
  }
}
