package dev.cairn.monitor.alert;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How a webhook receiver knows an alert came from this monitor and is recent.
 *
 * <p>Every POST carries {@code X-Cairn-Timestamp: <t>}, the Unix time in seconds when it was
 * signed (decimal, no sign or leading zeros), and {@code X-Cairn-Signature: sha256=<hex>}, the
 * lowercase hex HMAC-SHA256, keyed with the channel's shared secret, of the ASCII bytes of
 * {@code <t>}, one {@code .}, then the body's bytes exactly as received. A receiver MUST compute
 * the HMAC over the raw body (not a re-encoding of parsed JSON), compare in constant time, and
 * SHOULD refuse timestamps more than a few minutes from its own clock, so a captured request
 * cannot be replayed later. {@link #verify} does all of that. A retried alert is signed again
 * with a new timestamp; {@code X-Cairn-Alert-Id} (the same on every retry) is what a receiver
 * deduplicates by.
 */
public final class WebhookSignature {
  /** The header holding the signature. */
  public static final String SIGNATURE_HEADER = "X-Cairn-Signature";
  /** The header holding the signing time. */
  public static final String TIMESTAMP_HEADER = "X-Cairn-Timestamp";
  /** The header holding {@link Alert#id()}. */
  public static final String ALERT_ID_HEADER = "X-Cairn-Alert-Id";

  private static final String PREFIX = "sha256=";

  private WebhookSignature() {}

  /** The {@code X-Cairn-Signature} value for {@code body} signed at {@code unixSeconds}. */
  public static String sign(byte[] secret, long unixSeconds, byte[] body) {
    return PREFIX + HexFormat.of().formatHex(mac(secret, Long.toString(unixSeconds), body));
  }

  /**
   * Whether {@code signature} is this scheme's signature of {@code body} at {@code timestamp}
   * with {@code secret}, and {@code timestamp} is within {@code tolerance} of {@code now}.
   * Malformed headers are false, never an exception.
   *
   * @param timestamp the {@code X-Cairn-Timestamp} header
   * @param signature the {@code X-Cairn-Signature} header
   * @param body the request body, as received
   */
  public static boolean verify(byte[] secret, String timestamp, String signature, byte[] body,
      Instant now, Duration tolerance) {
    if (!timestamp.matches("0|[1-9][0-9]{0,17}") || !signature.startsWith(PREFIX)) {
      return false;
    }
    long t = Long.parseLong(timestamp);
    if (Math.abs(now.getEpochSecond() - t) > tolerance.toSeconds()) {
      return false;
    }
    String hex = signature.substring(PREFIX.length());
    if (!hex.matches("[0-9a-f]{64}")) {
      return false;
    }
    return MessageDigest.isEqual(HexFormat.of().parseHex(hex), mac(secret, timestamp, body));
  }

  private static byte[] mac(byte[] secret, String timestamp, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      mac.update(timestamp.getBytes(StandardCharsets.US_ASCII));
      mac.update((byte) '.');
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no HMAC-SHA256: " + e.getMessage(), e);
    }
  }
}
