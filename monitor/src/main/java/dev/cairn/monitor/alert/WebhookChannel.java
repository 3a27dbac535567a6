package dev.cairn.monitor.alert;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * POSTs each alert as JSON ({@link AlertJson}'s form: {@code id, event, rule, severity, log,
 * summary, fingerprint, run_id, observed, expected, first_seen, last_seen, evidence[], consequence,
 * remediation}, in that order) with {@code Content-Type: application/json}, {@code
 * X-Cairn-Alert-Id} (the same on every retry: receivers deduplicate by it), and the signature
 * headers of {@link WebhookSignature}. A 2xx answer is delivery; anything else, including a
 * redirect, is a failure. Errors name the URL without its query or user info, and never the
 * secret.
 */
public final class WebhookChannel implements Channel, AutoCloseable {
  private final String name;
  private final URI url;
  private final String shown;
  private final byte[] secret;
  private final Duration timeout;
  private final Clock clock;
  private final HttpClient client;

  /**
   * A webhook channel.
   *
   * @param name the configured name
   * @param url where to POST ({@code http} or {@code https})
   * @param secret the HMAC-SHA256 key (not empty); copied
   * @param timeout for each delivery as a whole
   * @param clock signs with its time
   */
  public WebhookChannel(String name, URI url, byte[] secret, Duration timeout, Clock clock) {
    this.name = Objects.requireNonNull(name, "name");
    this.url = httpUrl(name, url);
    this.shown = JsonPost.withoutQuery(url);
    if (secret.length == 0) {
      throw new IllegalArgumentException("channel " + name + ": the webhook's secret is empty");
    }
    this.secret = secret.clone();
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.client = JsonPost.client(timeout);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void deliver(Alert alert) throws IOException {
    byte[] body = AlertJson.encode(alert);
    long now = clock.instant().getEpochSecond();
    JsonPost.post(client, url, shown, body, Map.of(
        WebhookSignature.ALERT_ID_HEADER, alert.id(),
        WebhookSignature.TIMESTAMP_HEADER, Long.toString(now),
        WebhookSignature.SIGNATURE_HEADER, WebhookSignature.sign(secret, now, body)), timeout);
  }

  /** Closes the HTTP client; the secret is overwritten. */
  @Override
  public void close() {
    client.close();
    Arrays.fill(secret, (byte) 0);
  }

  @Override
  public String toString() {
    return "webhook " + name + " (" + shown + ")";
  }

  static URI httpUrl(String channel, URI url) {
    if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme()))
        || url.getHost() == null) {
      throw new IllegalArgumentException("channel " + channel
          + ": the URL must be http(s) with a host, not " + url.getScheme() + ":...");
    }
    return url;
  }
}
