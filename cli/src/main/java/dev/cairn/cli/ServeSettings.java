package dev.cairn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.cairn.log.auth.AuthSettings;
import dev.cairn.log.auth.Profile;
import dev.cairn.log.http.HttpConfig;
import dev.cairn.log.LogConfig;
import dev.cairn.log.keys.HsmSettings;
import dev.cairn.log.sequencing.SequencerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The settings of {@code cairn serve}, from (lowest to highest precedence) the defaults, a YAML
 * file, {@code CAIRN_*} environment variables and command-line flags. Every setting has one key:
 *
 * <pre>
 *   key                   flag                     environment                 default
 *   data                  --data                   CAIRN_DATA                  ./cairn-data
 *   listen                --listen                 CAIRN_LISTEN                127.0.0.1:8080
 *   origin                --origin                 CAIRN_ORIGIN                (random, new logs)
 *   sequencing_interval   --sequencing-interval    CAIRN_SEQUENCING_INTERVAL   10ms
 *   batch_size            --batch-size             CAIRN_BATCH_SIZE            4096
 *   pool_limit            --pool-limit             CAIRN_POOL_LIMIT            65536
 *   checkpoint_interval   --checkpoint-interval    CAIRN_CHECKPOINT_INTERVAL   1s
 *   profile               --profile                CAIRN_PROFILE               dev
 *   auth_jwks             --auth-jwks              CAIRN_AUTH_JWKS             (none: no auth)
 *   auth_issuer           --auth-issuer            CAIRN_AUTH_ISSUER
 *   auth_audience         --auth-audience          CAIRN_AUTH_AUDIENCE
 *   auth_roles_claim      --auth-roles-claim       CAIRN_AUTH_ROLES_CLAIM      roles
 *   audit_log             --audit-log              CAIRN_AUDIT_LOG             DATA/audit.jsonl
 *   allow_file_keys       --allow-file-keys        CAIRN_ALLOW_FILE_KEYS       false
 *   rate_limit_address    --rate-limit-address     CAIRN_RATE_LIMIT_ADDRESS    0 (off)
 *   rate_limit_subject    --rate-limit-subject     CAIRN_RATE_LIMIT_SUBJECT    0 (off)
 *   pkcs11_library        --pkcs11-library         CAIRN_PKCS11_LIBRARY        (none: file keys)
 *   pkcs11_token          --pkcs11-token           CAIRN_PKCS11_TOKEN          (needed with it)
 *   pkcs11_pin_file       --pkcs11-pin-file        CAIRN_PKCS11_PIN_FILE       (needed with it)
 *   pkcs11_key            --pkcs11-key             CAIRN_PKCS11_KEY            (new logs: key label)
 *   tls_cert              --tls-cert               CAIRN_TLS_CERT              (none: plain HTTP)
 *   tls_key               --tls-key                CAIRN_TLS_KEY               (needed with it)
 *   idle_timeout          --idle-timeout           CAIRN_IDLE_TIMEOUT          30s
 *   max_connections       --max-connections        CAIRN_MAX_CONNECTIONS       10000
 *   max_connections_per_address --max-connections-per-address
 *                                                  CAIRN_MAX_CONNECTIONS_PER_ADDRESS 1024 (0: off)
 *   max_header_bytes      --max-header-bytes       CAIRN_MAX_HEADER_BYTES      16384
 *   max_batch_bytes       --max-batch-bytes        CAIRN_MAX_BATCH_BYTES       8388608
 *   max_batch_entries     --max-batch-entries      CAIRN_MAX_BATCH_ENTRIES     4096 (≤ pool_limit)
 *   proof_wait            --proof-wait             CAIRN_PROOF_WAIT            30s
 * </pre>
 *
 * <p>The YAML file must say {@code schema_version: 1}; unknown keys and bad values are errors
 * that name the key and where it came from.
 */
final class ServeSettings {
  static final Map<String, String> DEFAULTS = defaults();

  private final Map<String, String> values = new TreeMap<>();
  private final Map<String, String> sources = new TreeMap<>();

  private static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("data", "./cairn-data");
    d.put("listen", "127.0.0.1:8080");
    d.put("origin", "");
    d.put("sequencing_interval", "10ms");
    d.put("batch_size", "4096");
    d.put("pool_limit", "65536");
    d.put("checkpoint_interval", "1s");
    d.put("profile", "dev");
    d.put("auth_jwks", "");
    d.put("auth_issuer", "");
    d.put("auth_audience", "");
    d.put("auth_roles_claim", "roles");
    d.put("audit_log", "");
    d.put("allow_file_keys", "false");
    d.put("rate_limit_address", "0");
    d.put("rate_limit_subject", "0");
    d.put("pkcs11_library", "");
    d.put("pkcs11_token", "");
    d.put("pkcs11_pin_file", "");
    d.put("pkcs11_key", "");
    HttpConfig http = HttpConfig.DEFAULTS;
    d.put("tls_cert", "");
    d.put("tls_key", "");
    d.put("idle_timeout", http.idleTimeout().toSeconds() + "s");
    d.put("max_connections", Integer.toString(http.maxConnections()));
    d.put("max_connections_per_address", Integer.toString(http.maxConnectionsPerAddress()));
    d.put("max_header_bytes", Integer.toString(http.maxHeaderBytes()));
    d.put("max_batch_bytes", Integer.toString(http.maxBatchBytes()));
    d.put("max_batch_entries", Integer.toString(http.maxBatchEntries()));
    d.put("proof_wait", http.proofWait().toSeconds() + "s");
    return d;
  }

  /** Resolves settings from a config file (if any), the environment and the flags given. */
  static ServeSettings resolve(Optional<Path> file, Map<String, String> env,
      Map<String, String> flags) {
    ServeSettings s = new ServeSettings();
    DEFAULTS.forEach((k, v) -> s.set(k, v, "default"));
    if (file.isPresent()) {
      s.readFile(file.get());
    }
    for (String key : DEFAULTS.keySet()) {
      String name = "CAIRN_" + key.toUpperCase(java.util.Locale.ROOT);
      if (env.containsKey(name)) {
        s.set(key, env.get(name), "environment variable " + name);
      }
    }
    flags.forEach((k, v) -> s.set(k, v, "flag --" + k.replace('_', '-')));
    return s;
  }

  private void set(String key, String value, String source) {
    values.put(key, value);
    sources.put(key, source);
  }

  private void readFile(Path file) {
    Map<?, ?> yaml;
    try {
      Object doc = new ObjectMapper(new YAMLFactory()).readValue(Files.readAllBytes(file),
          Object.class);
      if (!(doc instanceof Map<?, ?> m)) {
        throw new CliException(CliException.USAGE, file + ": expected a mapping of settings");
      }
      yaml = m;
    } catch (IOException e) {
      throw new CliException(CliException.USAGE, "couldn't read config " + file + ": "
          + e.getMessage().lines().findFirst().orElse(""));
    }
    Object version = yaml.get("schema_version");
    if (version == null) {
      throw new CliException(CliException.USAGE, file + ": schema_version is missing (use 1)");
    }
    if (!"1".equals(String.valueOf(version))) {
      throw new CliException(CliException.USAGE, file + ": schema_version " + version
          + " is not supported (use 1)");
    }
    for (Map.Entry<?, ?> e : yaml.entrySet()) {
      String key = String.valueOf(e.getKey());
      if (key.equals("schema_version")) {
        continue;
      }
      if (!DEFAULTS.containsKey(key)) {
        throw new CliException(CliException.USAGE, file + ": unknown setting \"" + key
            + "\" (known: " + String.join(", ", DEFAULTS.keySet()) + ")");
      }
      Object v = e.getValue();
      if (v instanceof Map || v instanceof java.util.List || v == null) {
        throw new CliException(CliException.USAGE, file + ": " + key
            + " must be a single value");
      }
      set(key, String.valueOf(v), file.toString());
    }
  }

  private CliException bad(String key, String why) {
    return new CliException(CliException.USAGE, "invalid " + key + " \"" + values.get(key)
        + "\" from " + sources.get(key) + ": " + why);
  }

  Path data() {
    String v = values.get("data");
    if (v.isBlank()) {
      throw bad("data", "must not be empty");
    }
    return Path.of(v);
  }

  String host() {
    return listen()[0];
  }

  int port() {
    return Integer.parseInt(listen()[1]);
  }

  private String[] listen() {
    String v = values.get("listen");
    int colon = v.lastIndexOf(':');
    if (colon <= 0 || !v.substring(colon + 1).matches("[0-9]{1,5}")
        || Integer.parseInt(v.substring(colon + 1)) > 65535) {
      throw bad("listen", "expected HOST:PORT, e.g. 127.0.0.1:8080");
    }
    String host = v.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new String[] {host, v.substring(colon + 1)};
  }

  Optional<String> origin() {
    String v = values.get("origin");
    return v.isBlank() ? Optional.empty() : Optional.of(v);
  }

  Duration duration(String key) {
    String v = values.get(key).strip();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,9})(ms|s|m)").matcher(v);
    if (!m.matches()) {
      throw bad(key, "expected a duration like 25ms, 1s or 2m");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      default -> Duration.ofMinutes(n);
    };
  }

  int integer(String key) {
    String v = values.get(key).strip();
    if (!v.matches("[0-9]{1,9}")) {
      throw bad(key, "expected a positive whole number");
    }
    return Integer.parseInt(v);
  }

  LogConfig logConfig() {
    SequencerConfig sequencing;
    try {
      sequencing = new SequencerConfig(duration("sequencing_interval"), integer("batch_size"),
          integer("pool_limit"));
    } catch (IllegalArgumentException e) {
      throw new CliException(CliException.USAGE, "invalid sequencing settings: "
          + e.getMessage());
    }
    try {
      LogConfig c = new LogConfig(data(), origin(), sequencing,
          duration("checkpoint_interval"), Clock.systemUTC());
      return hsm().map(c::withHsm).orElse(c);
    } catch (IllegalArgumentException e) {
      throw bad("checkpoint_interval", e.getMessage());
    }
  }

  /** The PKCS#11 token, if one is configured. */
  Optional<HsmSettings> hsm() {
    Optional<String> library = optional("pkcs11_library");
    Optional<String> token = optional("pkcs11_token");
    Optional<String> pin = optional("pkcs11_pin_file");
    Optional<String> key = optional("pkcs11_key");
    if (library.isEmpty()) {
      for (String k : java.util.List.of("pkcs11_token", "pkcs11_pin_file", "pkcs11_key")) {
        if (optional(k).isPresent()) {
          throw bad(k, "needs pkcs11_library (--pkcs11-library), the token's PKCS#11 module,"
              + " e.g. /usr/lib/softhsm/libsofthsm2.so");
        }
      }
      return Optional.empty();
    }
    if (token.isEmpty()) {
      throw bad("pkcs11_library", "needs pkcs11_token (--pkcs11-token), the label of the token");
    }
    if (pin.isEmpty()) {
      throw bad("pkcs11_library", "needs pkcs11_pin_file (--pkcs11-pin-file), a file holding"
          + " the token's user PIN");
    }
    return Optional.of(new HsmSettings(Path.of(library.get()), token.get(), Path.of(pin.get()),
        key));
  }

  /** How often the TLS files are checked for a renewed certificate. */
  static final Duration TLS_RELOAD_INTERVAL = Duration.ofMinutes(1);

  HttpConfig httpConfig() {
    Optional<String> cert = optional("tls_cert");
    Optional<String> key = optional("tls_key");
    if (cert.isPresent() != key.isPresent()) {
      throw cert.isPresent()
          ? bad("tls_cert", "needs tls_key (--tls-key), the certificate's private key file")
          : bad("tls_key", "needs tls_cert (--tls-cert), the certificate chain file");
    }
    int entries = integer("max_batch_entries");
    if (sources.get("max_batch_entries").equals("default")) {
      entries = Math.min(entries, integer("pool_limit"));
    } else if (entries > integer("pool_limit")) {
      throw bad("max_batch_entries", "must not exceed pool_limit (" + integer("pool_limit")
          + "): a batch larger than the pool could never be taken");
    }
    try {
      HttpConfig c = new HttpConfig(host(), port(), entries, integer("max_batch_bytes"),
          integer("max_header_bytes"), integer("max_connections"),
          integer("max_connections_per_address"), duration("idle_timeout"),
          duration("proof_wait"), Optional.empty());
      return cert.isEmpty() ? c : c.withTls(new HttpConfig.Tls(Path.of(cert.get()),
          Path.of(key.get()), TLS_RELOAD_INTERVAL));
    } catch (IllegalArgumentException e) {
      throw new CliException(CliException.USAGE, "invalid HTTP limits: " + e.getMessage());
    }
  }

  Profile profile() {
    try {
      return Profile.of(values.get("profile").strip());
    } catch (IllegalArgumentException e) {
      throw bad("profile", "expected dev or prod");
    }
  }

  private Optional<String> optional(String key) {
    String v = values.get(key).strip();
    return v.isEmpty() ? Optional.empty() : Optional.of(v);
  }

  AuthSettings auth() {
    AuthSettings d = AuthSettings.none();
    try {
      return new AuthSettings(optional("auth_jwks"), optional("auth_issuer"),
          optional("auth_audience"), values.get("auth_roles_claim").strip(), d.clockSkew(),
          d.strictKeyId(), d.refreshInterval(), d.minRefreshGap(), d.maxStale(),
          d.maxTokenBytes());
    } catch (IllegalArgumentException e) {
      throw new CliException(CliException.USAGE, "invalid authentication settings: "
          + e.getMessage());
    }
  }

  Path auditLog() {
    return optional("audit_log").map(Path::of).orElse(data().resolve("audit.jsonl"));
  }

  boolean allowFileKeys() {
    String v = values.get("allow_file_keys").strip();
    if (!v.equals("true") && !v.equals("false")) {
      throw bad("allow_file_keys", "expected true or false");
    }
    return Boolean.parseBoolean(v);
  }

  /** Each setting with where it came from, for the start-up banner. */
  Map<String, String> describe() {
    Map<String, String> out = new LinkedHashMap<>();
    values.forEach((k, v) -> out.put(k, v + " (" + sources.get(k) + ")"));
    return out;
  }
}
