package dev.cairn.cli;

import static dev.cairn.cli.settings.SettingType.bool;
import static dev.cairn.cli.settings.SettingType.duration;
import static dev.cairn.cli.settings.SettingType.hostPort;
import static dev.cairn.cli.settings.SettingType.oneOf;
import static dev.cairn.cli.settings.SettingType.path;
import static dev.cairn.cli.settings.SettingType.text;
import static dev.cairn.cli.settings.SettingType.wholeNumber;

import dev.cairn.cli.settings.HostPort;
import dev.cairn.cli.settings.Setting;
import dev.cairn.cli.settings.SettingSet;
import dev.cairn.cli.settings.SettingValues;
import dev.cairn.cli.settings.SettingsException;
import dev.cairn.log.auth.Profile;
import dev.cairn.log.http.HttpConfig;
import dev.cairn.log.keys.HsmSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The settings of {@code cairn witness serve}, declared once; resolved like {@code cairn
 * serve}'s (defaults, {@code --config} YAML with {@code schema_version: 1}, {@code CAIRN_*}
 * environment variables, flags). TLS, the profile and the connection limits mean what they mean
 * for {@code cairn serve}.
 */
final class WitnessSettings {
  private static final HttpConfig HTTP = HttpConfig.DEFAULTS;

  static final Setting<Path> DATA = Setting.of("data", path(), "./cairn-witness-data",
      "Data directory: the cosigner keys and the latest checkpoint cosigned per log.")
      .label("DIR");
  static final Setting<HostPort> LISTEN = Setting.of("listen", hostPort(), "127.0.0.1:8081",
      "HOST:PORT to listen on; [::1]:8081 for IPv6.");
  static final Setting<Optional<String>> NAME = Setting.optional("name", text(),
      "The witness's name, which its keys carry, for a new data directory (e.g."
          + " witness.example/w1); cairn-witness-<random hex> when not set. A data directory"
          + " keeps its name.").label("NAME");
  static final Setting<Optional<Path>> LOGS = Setting.optional("logs", path(),
      "The logs to cosign: tlog-policy lines \"log <vkey> [<url>]\", several keys per origin"
          + " allowed; witness, group and quorum lines are checked and ignored. Read again"
          + " within a second of a change; a bad file is refused and the list in use stays.");
  static final Setting<Integer> RATE_LIMIT_LOG = Setting.of("rate_limit_log", wholeNumber(),
      "10", "add-checkpoint requests a second per log (counted once its signature verified),"
          + " bursts of twice that; 429 with Retry-After beyond; 0 for no limit.");
  static final Setting<Integer> RATE_LIMIT_ADDRESS = Setting.of("rate_limit_address",
      wholeNumber(), "50", "add-checkpoint requests a second from one client address (counted"
          + " before anything is checked), bursts of twice that; 429 with Retry-After beyond;"
          + " 0 for no limit. Raise it for a client that submits many logs.");
  static final Setting<Profile> PROFILE = Setting.of("profile", oneOf(Profile.class), "dev",
      "dev, or prod (refuses file keys without allow_file_keys, and plain HTTP off"
          + " loopback).");
  static final Setting<Boolean> ALLOW_FILE_KEYS = Setting.of("allow_file_keys", bool(), "false",
      "In the prod profile, accept an Ed25519 cosigner key file in the data directory.");
  static final Setting<Optional<Path>> PKCS11_LIBRARY = ServeSettings.PKCS11_LIBRARY.help(
      "The PKCS#11 module of the token holding the Ed25519 cosigner key (e.g."
          + " /usr/lib/softhsm/libsofthsm2.so).");
  static final Setting<Optional<String>> PKCS11_TOKEN = ServeSettings.PKCS11_TOKEN;
  static final Setting<Optional<Path>> PKCS11_PIN_FILE = ServeSettings.PKCS11_PIN_FILE;
  static final Setting<Optional<String>> PKCS11_KEY = ServeSettings.PKCS11_KEY.help(
      "The label of the Ed25519 key on the token that signs cosignature/v1 instead of a key"
          + " file (the ML-DSA-44 key stays a file); needed with pkcs11_library. A data"
          + " directory keeps the kind of key it was created with.");
  static final Setting<Optional<Path>> TLS_CERT = ServeSettings.TLS_CERT;
  static final Setting<Optional<Path>> TLS_KEY = ServeSettings.TLS_KEY;
  static final Setting<Duration> IDLE_TIMEOUT = Setting.of("idle_timeout", duration(),
      HTTP.idleTimeout().toSeconds() + "s", "Close a connection silent this long.");
  static final Setting<Integer> MAX_CONNECTIONS = Setting.of("max_connections", wholeNumber(),
      "1024", "Most connections open at once; more wait to be accepted.");
  static final Setting<Integer> MAX_CONNECTIONS_PER_ADDRESS = Setting.of(
      "max_connections_per_address", wholeNumber(),
      Integer.toString(HTTP.maxConnectionsPerAddress()), "Most connections open at once from"
          + " one client address; 0 for no limit.");
  static final Setting<LogFormat> LOG_FORMAT = ServeSettings.LOG_FORMAT;

  static final SettingSet ALL = new SettingSet(List.of(DATA, LISTEN, NAME, LOGS,
      RATE_LIMIT_LOG, RATE_LIMIT_ADDRESS, PROFILE, ALLOW_FILE_KEYS, PKCS11_LIBRARY, PKCS11_TOKEN,
      PKCS11_PIN_FILE, PKCS11_KEY, TLS_CERT, TLS_KEY, IDLE_TIMEOUT,
      MAX_CONNECTIONS, MAX_CONNECTIONS_PER_ADDRESS, LOG_FORMAT));

  private final SettingValues values;

  WitnessSettings(SettingValues values) {
    this.values = values;
  }

  Path data() {
    return values.get(DATA);
  }

  Optional<String> name() {
    return values.get(NAME);
  }

  Optional<Path> logs() {
    return values.get(LOGS);
  }

  int rateLimitPerLog() {
    return values.get(RATE_LIMIT_LOG);
  }

  int rateLimitPerAddress() {
    return values.get(RATE_LIMIT_ADDRESS);
  }

  /** The SHA-256 of the effective settings, secrets excluded, logged at start. */
  String configHash() {
    return values.sha256();
  }

  LogFormat logFormat() {
    return values.get(LOG_FORMAT);
  }

  Profile profile() {
    return values.get(PROFILE);
  }

  boolean allowFileKeys() {
    return values.get(ALLOW_FILE_KEYS);
  }

  /**
   * The token holding the Ed25519 cosigner key, if one is configured: library, token, PIN file
   * and key label come together; the label is {@link HsmSettings#newLogKey}.
   */
  Optional<HsmSettings> hsm() {
    Optional<HsmSettings> hsm = ServeSettings.hsm(values, PKCS11_LIBRARY, PKCS11_KEY);
    if (hsm.isPresent() && hsm.get().newLogKey().isEmpty()) {
      throw values.invalid(PKCS11_LIBRARY, "needs " + PKCS11_KEY.named()
          + ", the label of the Ed25519 cosigner key on the token");
    }
    return hsm;
  }

  /** The address, limits and TLS: certificate and key come together. */
  HttpConfig httpConfig() {
    Optional<HttpConfig.Tls> tls = ServeSettings.tls(values);
    HostPort listen = values.get(LISTEN);
    try {
      HttpConfig c = new HttpConfig(listen.host(), listen.port(), HTTP.maxBatchEntries(),
          HTTP.maxBatchBytes(), HTTP.maxBodyBytesInFlight(), HTTP.maxHeaderBytes(),
          values.get(MAX_CONNECTIONS), values.get(MAX_CONNECTIONS_PER_ADDRESS),
          values.get(IDLE_TIMEOUT), HTTP.proofWait(), Optional.empty());
      return tls.isEmpty() ? c : c.withTls(tls.get());
    } catch (IllegalArgumentException e) {
      throw new SettingsException("invalid HTTP limits: " + e.getMessage());
    }
  }
}
