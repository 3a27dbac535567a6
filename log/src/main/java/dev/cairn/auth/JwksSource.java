package dev.cairn.auth;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.io.IOException;
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
import java.util.Optional;

/**
 * The JWKS the tokens are checked against: fetched from a URL (or read from a file) when first
 * needed, again every refresh interval, and at most once per minimum gap when a token names a
 * key it does not hold (a key rotated in since the last fetch). When a fetch fails, the keys of
 * the last good fetch serve until they are older than {@code maxStale}; before any good fetch,
 * and after that, every token is refused with 503. It never lets a token through unchecked.
 */
final class JwksSource {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(JwksSource.class);
  private static final int MAX_JWKS_BYTES = 1 << 20;
  private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(3);

  private final String location;
  private final AuthSettings settings;
  private final Clock clock;
  private final HttpClient http;
  private JWKSet keys;
  private Instant fetchedAt = Instant.MIN;
  private Instant nextAttempt = Instant.MIN;
  private Instant lastUnknownKeyFetch = Instant.MIN;
  private String lastError = "not fetched yet";

  JwksSource(String location, AuthSettings settings, Clock clock) {
    this.location = location;
    this.settings = settings;
    this.clock = clock;
    this.http = isUrl(location) ? HttpClient.newBuilder().connectTimeout(FETCH_TIMEOUT)
        .followRedirects(HttpClient.Redirect.NEVER).build() : null;
  }

  static boolean isUrl(String location) {
    return location.startsWith("https://") || location.startsWith("http://");
  }

  /** The key with ID {@code kid}, fetching the JWKS again once if it is not there. */
  synchronized Optional<JWK> key(String kid) throws AuthException {
    JWK k = current().getKeyByKeyId(kid);
    Instant now = clock.instant();
    if (k == null && !now.isBefore(lastUnknownKeyFetch.plus(settings.minRefreshGap()))) {
      lastUnknownKeyFetch = now;
      fetch(now);
      k = keys.getKeyByKeyId(kid);
    }
    return Optional.ofNullable(k);
  }

  /** The current keys, fetched again if they are due. */
  synchronized JWKSet current() throws AuthException {
    Instant now = clock.instant();
    if ((keys == null || !now.isBefore(fetchedAt.plus(settings.refreshInterval())))
        && !now.isBefore(nextAttempt)) {
      fetch(now);
    }
    if (keys == null) {
      throw new AuthException(503, "credentials cannot be checked: the JWKS at " + location
          + " cannot be loaded (" + lastError + ")");
    }
    if (now.isAfter(fetchedAt.plus(settings.maxStale()))) {
      throw new AuthException(503, "credentials cannot be checked: the JWKS at " + location
          + " has not been fetched since " + fetchedAt + " (" + lastError + ")");
    }
    return keys;
  }

  private void fetch(Instant now) {
    nextAttempt = now.plus(settings.minRefreshGap());
    try {
      JWKSet fetched = JWKSet.parse(read());
      if (fetched.getKeys().stream().anyMatch(JWK::isPrivate)) {
        throw new IOException("it holds private keys");
      }
      if (keys == null || !keys.toString().equals(fetched.toString())) {
        LOG.info("JWKS {}: {} keys {}", location, fetched.getKeys().size(),
            fetched.getKeys().stream().map(JWK::getKeyID).toList());
      }
      keys = fetched;
      fetchedAt = now;
      lastError = "";
    } catch (IOException | java.text.ParseException e) {
      lastError = e.getMessage();
      LOG.warn("couldn't fetch the JWKS at {}: {}{}", location, e.getMessage(),
          keys == null ? "" : "; the keys fetched at " + fetchedAt + " serve meanwhile");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      lastError = "interrupted";
    }
  }

  private String read() throws IOException, InterruptedException {
    if (http == null) {
      return Files.readString(Path.of(location), StandardCharsets.UTF_8);
    }
    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(location))
        .timeout(FETCH_TIMEOUT).header("Accept", "application/json").GET().build(),
        HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
      throw new IOException("HTTP " + r.statusCode());
    }
    if (r.body().length > MAX_JWKS_BYTES) {
      throw new IOException("it is larger than " + MAX_JWKS_BYTES + " bytes");
    }
    return new String(r.body(), StandardCharsets.UTF_8);
  }
}
