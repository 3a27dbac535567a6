package dev.cairn.read;

import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TilePath;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;

/**
 * A log served over HTTP(S) at a URL prefix, as C2SP tlog-tiles lays it out: {@code
 * <prefix>/checkpoint}, {@code <prefix>/tile/...}. Any static file server holding a log's tiles
 * directory is one.
 *
 * <p>A partial tile or bundle that answers 404 is fetched full and cut (tlog-tiles lets a log
 * delete partials once the full tile exists, and tells clients to fall back so). Every object is
 * checked to have its tlog-tiles shape ({@link Shapes}); an answer longer than the largest valid
 * object is cut off and rejected; an answer's headers, and then its body, must each arrive within
 * the timeout. Errors name the URL, the status and the first line of the server's answer.
 *
 * <p>Thread-safe; {@link #parallelism()} says how many requests replay keeps in flight.
 */
public final class HttpLogReader implements LogReader {
  /** How long to wait by default for an answer's headers, and then for its body. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  /** How many bundles a replay reads ahead by default. */
  public static final int DEFAULT_PARALLELISM = 16;
  private static final int REASON_CHARS = 200;

  private final String base;
  private final int parallelism;
  private final Transport transport;

  /**
   * How a reader GETs one URL: the JDK's {@link HttpClient} by default; a service reading many
   * logs may bring a client that costs less a request ({@link Builder#transport}).
   */
  public interface Transport extends AutoCloseable {
    /**
     * The body of a 200 answer to a GET of {@code uri}, of at most {@code cap} bytes, within the
     * transport's timeout; redirects followed.
     *
     * @throws NoSuchFileException on 404, its reason {@code "answered 404"} and {@link
     *     #reasonLine} of the body
     * @throws MalformedObjectException naming the URL, if the body is longer than {@code cap}
     * @throws IOException naming the URL, on any other status ({@code "GET <uri> answered
     *     <status>" + reasonLine}) or failure
     */
    byte[] get(URI uri, int cap) throws IOException;

    /** Releases connections and threads. */
    @Override
    void close();

    /** {@code ": <the first line of body>"}, printable and at most 200 characters, or nothing. */
    static String reasonLine(byte[] body) {
      String line = new String(body, StandardCharsets.UTF_8).strip().lines().findFirst()
          .orElse("");
      StringBuilder sb = new StringBuilder();
      line.codePoints().limit(REASON_CHARS)
          .forEach(c -> sb.appendCodePoint(Character.isISOControl(c) ? '?' : c));
      return sb.isEmpty() ? "" : ": " + sb;
    }

    /** The most bytes of an error answer read for its reason line. */
    int REASON_BYTES = 4096;
  }

  private HttpLogReader(Builder b, Transport transport) {
    String p = b.prefix.toString();
    this.base = p.endsWith("/") ? p : p + "/";
    this.parallelism = b.parallelism;
    this.transport = transport;
  }

  /** A reader of the log at {@code prefix} with the defaults. */
  public static HttpLogReader open(URI prefix) throws IOException {
    return builder(prefix).build();
  }

  /**
   * A builder for a reader of the log at {@code prefix}.
   *
   * @throws IllegalArgumentException unless {@code prefix} is an absolute http or https URL with
   *     a host and no query or fragment
   */
  public static Builder builder(URI prefix) {
    return new Builder(prefix);
  }

  /** Settings of an {@link HttpLogReader}. */
  public static final class Builder {
    private final URI prefix;
    private Optional<Path> caFile = Optional.empty();
    private Duration timeout = DEFAULT_TIMEOUT;
    private int parallelism = DEFAULT_PARALLELISM;
    private Transport transport;

    private Builder(URI prefix) {
      String scheme = prefix.getScheme();
      if (!"http".equals(scheme) && !"https".equals(scheme)) {
        throw new IllegalArgumentException("a log's URL must start with http:// or https://, got "
            + prefix);
      }
      if (prefix.getHost() == null || prefix.getRawQuery() != null
          || prefix.getRawFragment() != null) {
        throw new IllegalArgumentException("a log's URL needs a host and no query or fragment,"
            + " got " + prefix);
      }
      this.prefix = prefix;
    }

    /** Trust the PEM certificates in {@code caFile} (a private CA) instead of the JDK's. */
    public Builder trusting(Path caFile) {
      this.caFile = Optional.of(caFile);
      return this;
    }

    /** The longest to wait for an answer's headers, and then for its body. */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive, got " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /** How many requests a replay keeps in flight, 1 or more. */
    public Builder parallelism(int parallelism) {
      if (parallelism < 1) {
        throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
      }
      this.parallelism = parallelism;
      return this;
    }

    /**
     * GET with {@code transport} instead of the JDK's client (then {@link #trusting} and {@link
     * #timeout} are the transport's business); the reader closes it.
     */
    public Builder transport(Transport transport) {
      this.transport = transport;
      return this;
    }

    /**
     * The reader.
     *
     * @throws IOException if the CA file cannot be read (see {@link TrustedCertificates})
     */
    public HttpLogReader build() throws IOException {
      return new HttpLogReader(this, transport != null ? transport
          : new JdkTransport(TrustedCertificates.httpClient(caFile, timeout), timeout));
    }
  }

  @Override
  public String describe() {
    return base;
  }

  @Override
  public int parallelism() {
    return parallelism;
  }

  @Override
  public byte[] checkpoint() throws IOException {
    return get("checkpoint", Shapes.MAX_CHECKPOINT_BYTES);
  }

  @Override
  public byte[] readTile(HashTile tile) throws IOException {
    return Shapes.tile(tile, locate(tile));
  }

  @Override
  public byte[] readBundle(EntryBundle bundle) throws IOException {
    return Shapes.bundle(bundle, locate(bundle));
  }

  /** {@code asked} at its width or, if that partial answers 404, the full version of it. */
  private Shapes.Stored locate(TilePath asked) throws IOException {
    try {
      return new Shapes.Stored(asked, get(asked.path(), Shapes.cap(asked)), base + asked.path());
    } catch (NoSuchFileException partialMissing) {
      if (!asked.isPartial()) {
        throw partialMissing;
      }
      TilePath full = asked.withWidth(TilePath.FULL_WIDTH);
      try {
        return new Shapes.Stored(full, get(full.path(), Shapes.cap(full)), base + full.path());
      } catch (NoSuchFileException fullMissing) {
        throw new NoSuchFileException(base + asked.path(), null, partialMissing.getReason()
            + ", and so did the full " + (asked instanceof HashTile ? "tile " : "bundle ")
            + fullMissing.getMessage());
      }
    }
  }

  /** GETs {@code path} below the prefix (see {@link Transport#get}). */
  private byte[] get(String path, int cap) throws IOException {
    return transport.get(URI.create(base + path), cap);
  }

  /** The JDK's {@link HttpClient}, on virtual threads. */
  private static final class JdkTransport implements Transport {
    private final Duration timeout;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient client;

    JdkTransport(HttpClient.Builder client, Duration timeout) {
      this.timeout = timeout;
      this.client = client.executor(executor).followRedirects(HttpClient.Redirect.NORMAL)
          .build();
    }

    @Override
    public byte[] get(URI uri, int cap) throws IOException {
      HttpRequest req = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
      HttpResponse<byte[]> resp;
      // send(), not sendAsync(): the latter completes its answer on the common fork-join pool,
      // which an application (or a test) may have busy with something else.
      try {
        resp = client.send(req, info -> info.statusCode() == 200
            ? CappedBody.refusing(uri, cap, info.headers().firstValueAsLong("Content-Length")
                .orElse(-1), timeout, "the " + cap + " of the largest valid one")
            : CappedBody.cutting(REASON_BYTES, timeout));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted fetching " + uri);
      } catch (IOException e) {
        Throwable cause = e;
        while (cause.getCause() != null && !(cause instanceof MalformedObjectException)) {
          cause = cause.getCause();
        }
        if (cause instanceof MalformedObjectException m) {
          throw new MalformedObjectException(m.getMessage());
        }
        if (cause instanceof TimeoutException) {
          throw new HttpTimeoutException("GET " + uri + ": the answer took longer than "
              + timeout.toMillis() + " ms");
        }
        if (e instanceof HttpTimeoutException) {
          throw new HttpTimeoutException("GET " + uri + ": no answer within "
              + timeout.toMillis() + " ms");
        }
        throw new IOException("GET " + uri + " failed: " + (e.getMessage() == null
            ? e.getClass().getSimpleName() : e.getMessage()), e);
      }
      int status = resp.statusCode();
      if (status == 200) {
        return resp.body();
      }
      String reason = Transport.reasonLine(resp.body());
      if (status == 404) {
        throw new NoSuchFileException(uri.toString(), null, "answered 404" + reason);
      }
      throw new IOException("GET " + uri + " answered " + status + reason);
    }

    @Override
    public void close() {
      client.close();
      executor.close();
    }
  }

  @Override
  public void close() {
    transport.close();
  }
}
