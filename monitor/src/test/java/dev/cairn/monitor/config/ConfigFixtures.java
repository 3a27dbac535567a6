package dev.cairn.monitor.config;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;

/** Where the test vectors are, and the environment they are loaded with. */
final class ConfigFixtures {
  /** The example in the documentation, from the monitor module's directory. */
  static final Path EXAMPLE = Path.of("..", "docs", "monitor", "monitor.example.yaml");

  /** The verifier key the vectors and the example use for log.example/log. */
  static final String LOG_KEY =
      "log.example/log+6fc74a73+Ac7MFQfcHd1ylZUcKQiI8JWtuQRNG3PWlubfBl1oO9T8";

  static final String HOOK_SECRET = "hook-secret-from-env-7f3a";
  static final String SLACK_URL = "https://hooks.slack.example/services/T1/B1/slack-secret-env-91c2";
  static final String SMTP_PASSWORD = "smtp-secret-from-env-c0de";

  /** The environment: the example's three secrets, an empty variable and a non-URL. */
  static final Map<String, String> ENV = Map.of(
      "CAIRN_HOOK_SECRET", HOOK_SECRET,
      "CAIRN_SLACK_URL", SLACK_URL,
      "CAIRN_SMTP_PASSWORD", SMTP_PASSWORD,
      "CAIRN_EMPTY", "",
      "CAIRN_NOT_A_URL", "not a url");

  private ConfigFixtures() {}

  /** {@code src/test/resources/config}, as copied to the test class path. */
  static Path vectors() {
    try {
      return Path.of(ConfigFixtures.class.getResource("/config").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
