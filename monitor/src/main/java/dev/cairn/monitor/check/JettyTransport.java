package dev.cairn.monitor.check;

import dev.cairn.log.http.JettyPadding;
import dev.cairn.read.HttpLogReader;
import dev.cairn.read.MalformedObjectException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;

/**
 * GETs for {@link HttpLogReader} on Jetty's HTTP client, which one monitor shares among all its
 * logs: on one core it makes 10.6 k tile and bundle requests a second where the JDK's client
 * makes 4.6 k (docs/benchmarks.md), and a catch-up replay is mostly requests. An answer longer
 * than the cap fails before it is all read; the timeout covers the whole exchange; a redirect
 * is an error (answered 3xx), not followed.
 */
public final class JettyTransport implements HttpLogReader.Transport {
  private final HttpClient client;
  private final Duration timeout;

  private JettyTransport(HttpClient client, Duration timeout) {
    this.client = client;
    this.timeout = timeout;
  }

  /** A started client for many readers, up to 64 connections to each log, no redirects. */
  public static HttpClient startClient() throws IOException {
    JettyPadding.apply();
    HttpClient c = new HttpClient();
    c.setMaxConnectionsPerDestination(64);
    // A log that redirects is refused: a hostile one could send the monitor anywhere, and
    // from https to http.
    c.setFollowRedirects(false);
    c.setConnectTimeout(10_000);
    try {
      c.start();
    } catch (Exception e) {
      throw new IOException("starting the HTTP client failed: " + e.getMessage(), e);
    }
    return c;
  }

  /** GETs on {@code client}, which the caller keeps and stops. */
  public static JettyTransport on(HttpClient client, Duration timeout) {
    return new JettyTransport(client, timeout);
  }

  @Override
  public byte[] get(URI uri, int cap) throws IOException {
    Request request = client.newRequest(uri).timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    ContentResponse resp;
    try {
      resp = new CompletableResponseListener(request, Math.max(cap, REASON_BYTES)).send()
          .get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted fetching " + uri);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof TimeoutException) {
        throw new HttpTimeoutException("GET " + uri + ": no answer within "
            + timeout.toMillis() + " ms");
      }
      // Jetty says "Buffering capacity <N> exceeded" when the body outgrows the listener.
      if (cause instanceof IllegalArgumentException
          && String.valueOf(cause.getMessage()).startsWith("Buffering capacity")) {
        throw new MalformedObjectException("GET " + uri + ": the answer is longer than the "
            + cap + " bytes of the largest valid one");
      }
      throw new IOException("GET " + uri + " failed: " + (cause.getMessage() == null
          ? cause.getClass().getSimpleName() : cause.getMessage()), cause);
    }
    int status = resp.getStatus();
    byte[] body = resp.getContent();
    if (status == 200) {
      if (body.length > cap) {
        throw new MalformedObjectException("GET " + uri + ": the answer is longer than the "
            + cap + " bytes of the largest valid one");
      }
      return body;
    }
    String reason = HttpLogReader.Transport.reasonLine(body);
    if (status == 404) {
      throw new NoSuchFileException(uri.toString(), null, "answered 404" + reason);
    }
    throw new IOException("GET " + uri + " answered " + status + reason);
  }

  /** Does nothing: the client is shared, and its owner stops it. */
  @Override
  public void close() {}
}
