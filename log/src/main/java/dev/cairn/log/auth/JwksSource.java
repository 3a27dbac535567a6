package dev.cairn.log.auth;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import dev.cairn.read.CappedBody;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The JWKS the tokens are checked against: fetched from a URL (or read from a file) when first
 * needed, again every refresh interval, and at most once per minimum gap when a token names a
 * key it does not hold (a key rotated in since the last fetch). When a fetch fails, the keys of
 * the last good fetch serve until they are older than {@code maxStale}; before any good fetch,
 * and after that, every token is refused with 503. It never lets a token through unchecked.
 *
 * <p>A fetch reads at most {@link #MAX_JWKS_BYTES} and ends by its deadline however the server
 * behaves (a body that stalls or never ends): the JDK client's own timeout stops at the headers.
 * Clients are told only that the keys are unavailable; where they are and why they failed goes
 * to the server's log and {@link #status}.
 */
final class JwksSource {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(JwksSource.class);
  private static final int MAX_JWKS_BYTES = 1 << 20;
  private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(3);
  /** The most one whole fetch may take: connection, headers and body. */
  static final Duration FETCH_DEADLINE = Duration.ofSeconds(5);

  private final String location;
  private final AuthSettings settings;
  private final Clock clock;
  private final HttpClient http;
  private final Duration deadline;
  /** One fetch at a time; the others keep using the keys they have meanwhile. */
  private final java.util.concurrent.locks.ReentrantLock fetching =
      new java.util.concurrent.locks.ReentrantLock();
  private volatile Snapshot snapshot;
  private volatile Instant nextAttempt = Instant.MIN;
  private volatile Instant lastUnknownKeyFetch = Instant.MIN;
  private volatile String lastError = "not fetched yet";

  private record Snapshot(JWKSet keys, Instant fetchedAt) {}

  JwksSource(String location, AuthSettings settings, Clock clock) {
    this(location, settings, clock, FETCH_DEADLINE);
  }

  /** A source whose fetches end by {@code deadline} (tests use a short one). */
  JwksSource(String location, AuthSettings settings, Clock clock, Duration deadline) {
    this.deadline = deadline;
    this.location = location;
    this.settings = settings;
    this.clock = clock;
    if (isUrl(location)) {
      URI.create(location); // a bad URL fails here, at start-up, not on the first request
      this.http = HttpClient.newBuilder().connectTimeout(FETCH_TIMEOUT)
          .followRedirects(HttpClient.Redirect.NEVER).build();
    } else {
      this.http = null;
    }
  }

  static boolean isUrl(String location) {
    String l = location.toLowerCase(java.util.Locale.ROOT);
    return l.startsWith("https://") || l.startsWith("http://");
  }

  /** The key with ID {@code kid}, fetching the JWKS again once if it is not there. */
  Optional<JWK> key(String kid) throws AuthException {
    JWK k = current().getKeyByKeyId(kid);
    Instant now = clock.instant();
    if (k == null && !now.isBefore(lastUnknownKeyFetch.plus(settings.minRefreshGap()))
        && fetching.tryLock()) {
      try {
        if (!now.isBefore(lastUnknownKeyFetch.plus(settings.minRefreshGap()))) {
          lastUnknownKeyFetch = now;
          fetch(now);
        }
      } finally {
        fetching.unlock();
      }
      k = snapshot.keys().getKeyByKeyId(kid);
    }
    return Optional.ofNullable(k);
  }

  /**
   * The current keys. When they are due for a refresh one caller fetches them while the others
   * go on with the keys they have; only before the first good fetch do callers wait for it.
   */
  JWKSet current() throws AuthException {
    Instant now = clock.instant();
    Snapshot s = snapshot;
    // Before the first good fetch every caller waits for the one under way (and then tries
    // itself only if that failed and the retry gap has passed).
    boolean due = s == null || (!now.isBefore(s.fetchedAt().plus(settings.refreshInterval()))
        && !now.isBefore(nextAttempt));
    if (due) {
      boolean locked;
      if (s == null) {
        fetching.lock();
        locked = true;
      } else {
        locked = fetching.tryLock();
      }
      if (locked) {
        try {
          if (snapshot == s && !now.isBefore(nextAttempt)) {
            fetch(now);
          }
        } finally {
          fetching.unlock();
        }
      }
    }
    s = snapshot;
    // Where the keys are and what went wrong is in the server's log (each failed fetch says
    // so at WARN) and on GET /admin/health, not in the answer to an unauthenticated client.
    if (s == null) {
      throw new AuthException(503, "credentials cannot be checked: the issuer's keys (JWKS)"
          + " cannot be loaded; try again later");
    }
    if (now.isAfter(s.fetchedAt().plus(settings.maxStale()))) {
      throw new AuthException(503, "credentials cannot be checked: the issuer's keys (JWKS)"
          + " are out of date and cannot be loaded again; try again later");
    }
    return s.keys();
  }

  /** Where the keys come from and how the last fetches went, for operators. */
  JwksStatus status() {
    Snapshot s = snapshot;
    return new JwksStatus(location, Optional.ofNullable(s).map(Snapshot::fetchedAt),
        s == null ? List.of() : s.keys().getKeys().stream().map(JWK::getKeyID).toList(),
        lastError);
  }

  private void fetch(Instant now) {
    nextAttempt = now.plus(settings.minRefreshGap());
    Snapshot before = snapshot;
    try {
      JWKSet fetched = JWKSet.parse(read());
      if (fetched.getKeys().stream().anyMatch(JWK::isPrivate)) {
        throw new IOException("it holds private keys");
      }
      if (before == null || !before.keys().toString().equals(fetched.toString())) {
        LOG.info("JWKS {}: {} keys {}", location, fetched.getKeys().size(),
            fetched.getKeys().stream().map(JWK::getKeyID).toList());
      }
      snapshot = new Snapshot(fetched, now);
      lastError = "";
    } catch (IOException | java.text.ParseException | RuntimeException e) {
      lastError = e.getMessage();
      LOG.warn("couldn't fetch the JWKS at {}: {}{}", location, e.getMessage(),
          before == null ? "" : "; the keys fetched at " + before.fetchedAt()
              + " serve meanwhile");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      lastError = "interrupted";
    }
  }

  private String read() throws IOException, InterruptedException {
    if (http == null) {
      try (InputStream in = Files.newInputStream(Path.of(location))) {
        return new String(capped(in.readNBytes(MAX_JWKS_BYTES + 1)), StandardCharsets.UTF_8);
      }
    }
    CompletableFuture<HttpResponse<byte[]>> answer = http.sendAsync(
        HttpRequest.newBuilder(URI.create(location)).timeout(FETCH_TIMEOUT)
            .header("Accept", "application/json").GET().build(),
        info -> info.statusCode() == 200 ? CappedBody.refusing(URI.create(location),
            MAX_JWKS_BYTES, info.headers().firstValueAsLong("Content-Length").orElse(-1),
            deadline, "the " + MAX_JWKS_BYTES + " bytes a JWKS may have")
            : HttpResponse.BodySubscribers.replacing(new byte[0]));
    HttpResponse<byte[]> r;
    try {
      r = answer.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new IOException("no complete answer within " + deadline.toMillis() + " ms");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TimeoutException) {
        // The body's own deadline (the same one) fired first.
        throw new IOException("no complete answer within " + deadline.toMillis() + " ms");
      }
      throw e.getCause() instanceof IOException io ? new IOException(io.getMessage(), io)
          : new IOException(String.valueOf(e.getCause()), e.getCause());
    } finally {
      answer.cancel(true); // aborts the exchange if it is still going on
    }
    if (r.statusCode() != 200) {
      throw new IOException("HTTP " + r.statusCode());
    }
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  private static byte[] capped(byte[] body) throws IOException {
    if (body.length > MAX_JWKS_BYTES) {
      throw new IOException("it is larger than " + MAX_JWKS_BYTES + " bytes");
    }
    return body;
  }
}
