package dev.cairn.witnessing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Where a witness serves the latest checkpoint it cosigned for a log, below its monitoring
 * prefix: {@code <lowercase hex SHA-256(origin)>/checkpoint}. The witness serves it; monitors
 * read it to compare views.
 */
public final class MonitoringPath {
  private MonitoringPath() {}

  /** The lowercase hex SHA-256 of {@code origin}'s UTF-8 bytes. */
  public static String originHash(String origin) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(origin.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-256 in this JDK", e);
    }
  }

  /** The path of {@code origin}'s checkpoint below a monitoring prefix. */
  public static String of(String origin) {
    return originHash(origin) + "/checkpoint";
  }
}
