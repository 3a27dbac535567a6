package dev.cairn.cli;

import static dev.cairn.cli.settings.SettingType.bool;
import static dev.cairn.cli.settings.SettingType.bytes;
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
import dev.cairn.cli.settings.Source;
import dev.cairn.log.LogConfig;
import dev.cairn.log.auth.AuditLog;
import dev.cairn.log.auth.AuthSettings;
import dev.cairn.log.auth.Profile;
import dev.cairn.log.http.HttpConfig;
import dev.cairn.log.keys.HsmSettings;
import dev.cairn.log.sequencing.SequencerConfig;
import dev.cairn.log.witnessing.FileCosignedSizes;
import dev.cairn.log.witnessing.WitnessQuorum;
import dev.cairn.policy.Policy;
import dev.cairn.read.TrustedCertificates;
import dev.cairn.tile.Bundles;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * The settings of {@code cairn serve}, each declared once below, and the rules that relate them
 * (TLS and PKCS#11 settings come in groups; a batch may not exceed the pool). Values come from
 * the defaults, a YAML file, {@code CAIRN_*} environment variables and flags: see {@link
 * SettingSet}.
 */
final class ServeSettings {
  private static final HttpConfig HTTP = HttpConfig.DEFAULTS;

  static final Setting<Path> DATA = Setting.of("data", path(), "./cairn-data",
      "Data directory.").label("DIR");
  static final Setting<HostPort> LISTEN = Setting.of("listen", hostPort(), "127.0.0.1:8080",
      "HOST:PORT to listen on; [::1]:8080 for IPv6.");
  static final Setting<Optional<String>> ORIGIN = Setting.optional("origin", text(),
      "Origin of a new log, e.g. example.com/log; a random one when not set.").label("ORIGIN");
  static final Setting<Duration> SEQUENCING_INTERVAL = Setting.of("sequencing_interval",
      duration(), "2ms", "Shortest time between batch starts.");
  static final Setting<Integer> BATCH_SIZE = Setting.of("batch_size", wholeNumber(), "4096",
      "Most entries per batch.");
  static final Setting<Integer> POOL_LIMIT = Setting.of("pool_limit", wholeNumber(), "65536",
      "Most entries waiting.");
  static final Setting<Long> POOL_BYTES = Setting.of("pool_bytes", bytes(),
      (SequencerConfig.DEFAULT_POOL_BYTES >> 20) + "MiB", "Most bytes of entries waiting or"
          + " being sequenced, whatever their number; 503 with Retry-After beyond. At least"
          + " max_batch_bytes.");
  static final Setting<Integer> MAX_UNPUBLISHED_ENTRIES = Setting.of("max_unpublished_entries",
      wholeNumber(), Long.toString(LogConfig.DEFAULT_MAX_UNPUBLISHED), "Most acknowledged"
          + " entries that may wait for a checkpoint (while a witness quorum is missing);"
          + " 503 with Retry-After beyond.");
  static final Setting<Duration> CHECKPOINT_INTERVAL = Setting.of("checkpoint_interval",
      duration(), "1s", "Checkpoint publication interval.");
  static final Setting<Duration> TILE_SYNC_DELAY = Setting.of("tile_sync_delay", duration(),
      LogConfig.DEFAULT_TILE_SYNC_DELAY.toSeconds() + "s", "How long after they are written the"
          + " embedded storage syncs tiles; 0s syncs them as written. Experimental: 40s lets"
          + " the kernel write them back first; the sequence log keeps their entries meanwhile,"
          + " and a start after a crash writes them again.");
  static final Setting<Profile> PROFILE = Setting.of("profile", oneOf(Profile.class), "dev",
      "dev (authentication may be off) or prod (refuses to start unless authentication, keys"
          + " and listening are safe).");
  static final Setting<Optional<String>> AUTH_JWKS = Setting.optional("auth_jwks", text(),
      "The JWKS that signs bearer tokens; turns authentication of writes on.")
      .label("URL|FILE");
  static final Setting<Optional<String>> AUTH_ISSUER = Setting.optional("auth_issuer", text(),
      "The tokens' required issuer (iss).").label("ISSUER");
  static final Setting<Optional<String>> AUTH_AUDIENCE = Setting.optional("auth_audience",
      text(), "The audience (aud) tokens must name.").label("AUDIENCE");
  static final Setting<String> AUTH_ROLES_CLAIM = Setting.of("auth_roles_claim", text(),
      "roles", "The claim holding the role names.").label("CLAIM");
  static final Setting<Optional<Path>> AUDIT_LOG = Setting.optional("audit_log", path(),
      "Where authentication decisions are appended; DATA-audit/audit.jsonl beside the data"
          + " directory when not set (keep it off the data directory's volume).");
  private static final AuditLog.Limits AUDIT = AuditLog.Limits.DEFAULTS;
  static final Setting<Integer> AUDIT_LOG_MAX_BYTES = Setting.of("audit_log_max_bytes",
      wholeNumber(), Long.toString(AUDIT.maxFileBytes()), "Rotate the audit log at this size"
          + " (at least 4096).");
  static final Setting<Integer> AUDIT_LOG_FILES = Setting.of("audit_log_files", wholeNumber(),
      Integer.toString(AUDIT.keepFiles()), "Rotated audit log files kept; older ones are"
          + " deleted (at least 1).");
  static final Setting<Integer> AUDIT_REFUSAL_BYTES_PER_SECOND = Setting.of(
      "audit_refusal_bytes_per_second", wholeNumber(),
      Long.toString(AUDIT.refusalBytesPerSecond()), "Most audit log bytes a second for lines"
          + " about refused unauthenticated requests; beyond it they are only counted (at least"
          + " 1024).");
  static final Setting<Boolean> ALLOW_FILE_KEYS = Setting.of("allow_file_keys", bool(), "false",
      "In the prod profile, accept the key files in the data directory.");
  static final Setting<Boolean> UI = Setting.of("ui", bool(), "true",
      "Serve the explorer at /ui/: look up entries and checkpoints and verify them in the"
          + " browser (read-only, public like the other reads).");
  static final Setting<Integer> RATE_LIMIT_ADDRESS = Setting.of("rate_limit_address",
      wholeNumber(), "0", "Writes per second from one client address, bursts of twice that;"
          + " 0 for no limit.");
  static final Setting<Integer> RATE_LIMIT_SUBJECT = Setting.of("rate_limit_subject",
      wholeNumber(), "0", "Writes per second from one token subject, bursts of twice that;"
          + " 0 for no limit.");
  static final Setting<Optional<Path>> PKCS11_LIBRARY = Setting.optional("pkcs11_library",
      path(), "The PKCS#11 module of the token holding HSM checkpoint keys (e.g."
          + " /usr/lib/softhsm/libsofthsm2.so).");
  static final Setting<Optional<String>> PKCS11_TOKEN = Setting.optional("pkcs11_token",
      text(), "The token's label; needed with pkcs11_library.").label("LABEL");
  static final Setting<Optional<Path>> PKCS11_PIN_FILE = Setting.optional("pkcs11_pin_file",
      path(), "File holding the token's user PIN (first line); needed with pkcs11_library.");
  static final Setting<Optional<String>> PKCS11_KEY = Setting.optional("pkcs11_key", text(),
      "For a new log: the label of the HSM key (Ed25519 or EC P-256) that signs instead of an"
          + " Ed25519 file key.").label("LABEL");
  static final Setting<Optional<Path>> TLS_CERT = Setting.optional("tls_cert", path(),
      "Serve HTTPS with this PEM certificate chain (leaf first); renewed files are picked up"
          + " within a minute.");
  static final Setting<Optional<Path>> TLS_KEY = Setting.optional("tls_key", path(),
      "The certificate's PEM private key (unencrypted; PKCS#8, SEC1 or PKCS#1).");
  static final Setting<Duration> IDLE_TIMEOUT = Setting.of("idle_timeout", duration(),
      HTTP.idleTimeout().toSeconds() + "s", "Close a connection silent this long.");
  static final Setting<Integer> MAX_CONNECTIONS = Setting.of("max_connections", wholeNumber(),
      Integer.toString(HTTP.maxConnections()), "Most connections open at once; more wait to be"
          + " accepted.");
  static final Setting<Integer> MAX_CONNECTIONS_PER_ADDRESS = Setting.of(
      "max_connections_per_address", wholeNumber(),
      Integer.toString(HTTP.maxConnectionsPerAddress()), "Most connections open at once from"
          + " one client address; more are closed as they open; 0 for no limit. Behind a proxy"
          + " on this machine, raise it or set 0.");
  static final Setting<Integer> MAX_HEADER_BYTES = Setting.of("max_header_bytes", wholeNumber(),
      Integer.toString(HTTP.maxHeaderBytes()), "Largest request header block; 431 beyond.");
  static final Setting<Integer> MAX_BATCH_BYTES = Setting.of("max_batch_bytes", wholeNumber(),
      Integer.toString(HTTP.maxBatchBytes()), "Largest /add-batch body; 413 beyond. At most"
          + " pool_bytes (the default is cut to it).");
  static final Setting<Long> MAX_BODY_BYTES_IN_FLIGHT = Setting.of("max_body_bytes_in_flight",
      bytes(), (HTTP.maxBodyBytesInFlight() >> 20) + "MiB", "Most bytes of /add and /add-batch"
          + " bodies being read at once, counted from before the first byte (by declared"
          + " length, or the route's limit when chunked); a write beyond it gets 503 with"
          + " Retry-After, unread. At least max_batch_bytes.");
  static final Setting<Integer> MAX_BATCH_ENTRIES = Setting.of("max_batch_entries",
      wholeNumber(), Integer.toString(HTTP.maxBatchEntries()), "Most entries in one"
          + " /add-batch; 413 beyond. At most pool_limit (the default is cut to it).");
  static final Setting<Duration> PROOF_WAIT = Setting.of("proof_wait", duration(),
      HTTP.proofWait().toSeconds() + "s", "How long /add with Accept: application/json waits"
          + " for its checkpoint before 503.");
  static final Setting<Duration> SHUTDOWN_TIMEOUT = Setting.of("shutdown_timeout", duration(),
      "25s", "On SIGTERM or SIGINT: how long stopping may take. The server stops accepting,"
          + " lets requests in flight finish (up to half of it), sequences what is pooled and"
          + " publishes a final checkpoint, and exits 0; past it, exits 1 (acknowledged entries"
          + " are durable and published at the next start). Keep it below the supervisor's"
          + " grace period (Kubernetes: terminationGracePeriodSeconds).");
  static final Setting<Optional<Path>> WITNESS_POLICY = Setting.optional("witness_policy",
      path(), "A tlog-policy file: each checkpoint is published only once its witnesses'"
          + " cosignatures meet the quorum, and carries them. Each witness line needs its URL"
          + " (submission prefix); log lines, if any, must be this log's.");
  static final Setting<Duration> WITNESS_TIMEOUT = Setting.of("witness_timeout", duration(),
      WitnessQuorum.DEFAULT_TIMEOUT.toSeconds() + "s", "How long one add-checkpoint request to"
          + " a witness may take; at most 3 tries per witness and checkpoint.");
  static final Setting<Optional<Path>> WITNESS_CA = Setting.optional("witness_ca", path(),
      "PEM certificates of the authorities to trust for https:// witness URLs (a private CA),"
          + " instead of the JDK's.");
  static final Setting<Boolean> WITNESS_FAIL_OPEN = Setting.of("witness_fail_open", bool(),
      "false", "UNSAFE: publish checkpoints without the witness quorum, with the cosignatures"
          + " that arrived (counted in cairn_witness_fail_open_publications_total, shown in"
          + " /readyz); clients enforcing the policy reject them.");

  static final Setting<Optional<String>> POSTGRES = Setting.optional("postgres", text(),
      "Run as one node of a cluster: coordination in this PostgreSQL database, a"
          + " postgresql:// URL with host, port, database and user (the password from PGPASSWORD"
          + " or CAIRN_POSTGRES_PASSWORD_FILE). Needs objects; data then holds only the keys.")
      .label("URL");
  static final Setting<Optional<String>> OBJECTS = Setting.optional("objects", text(),
      "With postgres: tiles, bundles and the checkpoint in this S3-compatible bucket, an"
          + " s3:// URL with bucket, prefix and the parameters endpoint, region and path_style"
          + " (credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).").label("URL");
  static final Setting<Optional<String>> NODE_ID = Setting.optional("node_id", text(),
      "This node's name in a cluster (metrics, logs, the checkpoint history); default"
          + " HOST:PORT of listen.").label("NAME");
  static final Setting<LogFormat> LOG_FORMAT = Setting.of("log_format", oneOf(LogFormat.class),
      "text", "text, or json: one JSON object a line on stderr, with the request_id (and"
          + " trace_id) of the request being handled.");
  static final Setting<Duration> LEASE_TTL = Setting.of("lease_ttl", duration(), "5s",
      "In a cluster: how long the integrating node's lease lives unless renewed; another node"
          + " takes over within it after a crash.");

  static final Setting<Optional<String>> OTEL_ENDPOINT = Setting.optional("otel_endpoint",
      text(), "Send OpenTelemetry spans (requests, sequencing, integration, signing, witnessing,"
          + " publication) over OTLP/HTTP to the collector at this base URL (spans go to"
          + " URL/v1/traces); OTEL_EXPORTER_OTLP_ENDPOINT when not set. No tracing without"
          + " either.").label("URL");

  /** Every setting of {@code cairn serve}, in the order help and errors list them. */
  static final SettingSet ALL = new SettingSet(List.of(DATA, LISTEN, ORIGIN, SEQUENCING_INTERVAL,
      BATCH_SIZE, POOL_LIMIT, POOL_BYTES, MAX_UNPUBLISHED_ENTRIES, CHECKPOINT_INTERVAL,
      TILE_SYNC_DELAY, PROFILE, AUTH_JWKS, AUTH_ISSUER,
      AUTH_AUDIENCE, AUTH_ROLES_CLAIM, AUDIT_LOG, AUDIT_LOG_MAX_BYTES, AUDIT_LOG_FILES,
      AUDIT_REFUSAL_BYTES_PER_SECOND, ALLOW_FILE_KEYS, RATE_LIMIT_ADDRESS, RATE_LIMIT_SUBJECT,
      PKCS11_LIBRARY, PKCS11_TOKEN, PKCS11_PIN_FILE, PKCS11_KEY, TLS_CERT, TLS_KEY, IDLE_TIMEOUT,
      MAX_CONNECTIONS, MAX_CONNECTIONS_PER_ADDRESS, MAX_HEADER_BYTES, MAX_BATCH_BYTES,
      MAX_BODY_BYTES_IN_FLIGHT, MAX_BATCH_ENTRIES, PROOF_WAIT, SHUTDOWN_TIMEOUT, WITNESS_POLICY,
      WITNESS_TIMEOUT, WITNESS_CA, WITNESS_FAIL_OPEN, POSTGRES, OBJECTS, NODE_ID, LEASE_TTL,
      LOG_FORMAT, OTEL_ENDPOINT, UI));

  /** How often the TLS files are checked for a renewed certificate. */
  static final Duration TLS_RELOAD_INTERVAL = Duration.ofMinutes(1);

  private final SettingValues values;

  ServeSettings(SettingValues values) {
    this.values = values;
  }

  /** Resolves settings from a config file (if any), the environment and flags given by key. */
  static ServeSettings resolve(Optional<Path> file, Map<String, String> env,
      Map<String, String> flags) {
    return new ServeSettings(ALL.resolve(file, env, flags));
  }

  /** The cluster's storage, if this node is one of a cluster's: (postgres URL, objects URL). */
  Optional<Map.Entry<String, String>> cluster() {
    Optional<String> pg = values.get(POSTGRES);
    Optional<String> objects = values.get(OBJECTS);
    if (pg.isPresent() != objects.isPresent()) {
      throw values.invalid(pg.isPresent() ? POSTGRES : OBJECTS, "a cluster needs both "
          + POSTGRES.named() + " and " + OBJECTS.named());
    }
    if (values.get(LEASE_TTL).compareTo(Duration.ofSeconds(1)) < 0) {
      throw values.invalid(LEASE_TTL, "must be at least 1s");
    }
    return pg.map(p -> Map.entry(p, objects.get()));
  }

  /** How long stopping on a signal may take; at least a second. */
  Duration shutdownTimeout() {
    Duration d = values.get(SHUTDOWN_TIMEOUT);
    if (d.compareTo(Duration.ofSeconds(1)) < 0) {
      throw values.invalid(SHUTDOWN_TIMEOUT, "must be at least 1s");
    }
    return d;
  }

  Duration leaseTtl() {
    return values.get(LEASE_TTL);
  }

  Path data() {
    return values.get(DATA);
  }

  String host() {
    return values.get(LISTEN).host();
  }

  int port() {
    return values.get(LISTEN).port();
  }

  Optional<String> origin() {
    return values.get(ORIGIN);
  }

  LogConfig logConfig() {
    SequencerConfig sequencing;
    try {
      sequencing = new SequencerConfig(values.get(SEQUENCING_INTERVAL), values.get(BATCH_SIZE),
          values.get(POOL_LIMIT), values.get(POOL_BYTES));
    } catch (IllegalArgumentException e) {
      throw new SettingsException("invalid sequencing settings: " + e.getMessage());
    }
    LogConfig c;
    try {
      c = new LogConfig(data(), origin(), sequencing,
          values.get(CHECKPOINT_INTERVAL), Clock.systemUTC());
      c = hsm().map(c::withHsm).orElse(c);
    } catch (IllegalArgumentException e) {
      throw values.invalid(CHECKPOINT_INTERVAL, e.getMessage());
    }
    int unpublished = values.get(MAX_UNPUBLISHED_ENTRIES);
    if (unpublished < 1) {
      throw values.invalid(MAX_UNPUBLISHED_ENTRIES, "must be at least 1");
    }
    try {
      c = c.withTileSyncDelay(values.get(TILE_SYNC_DELAY));
    } catch (IllegalArgumentException e) {
      throw values.invalid(TILE_SYNC_DELAY, e.getMessage());
    }
    return c.withMaxUnpublished(unpublished)
        .withNodeId(values.get(NODE_ID).orElse(host() + ":" + port()));
  }

  /**
   * The witness quorum of {@code witness_policy}, if set: a file that cannot be read or parsed
   * (the parser names the line), or a witness without a usable URL (named), is refused, and so
   * are the other witness settings without a policy.
   */
  Optional<WitnessQuorum> witnesses() {
    Optional<Path> file = values.get(WITNESS_POLICY);
    if (file.isEmpty()) {
      for (Setting<?> s : List.of(WITNESS_FAIL_OPEN, WITNESS_TIMEOUT, WITNESS_CA)) {
        if (!(values.source(s) instanceof Source.Default)) {
          throw values.invalid(s, "needs " + WITNESS_POLICY.named() + ", the witnesses' policy");
        }
      }
      return Optional.empty();
    }
    Policy policy;
    try {
      policy = Policy.parse(Files.readAllBytes(file.get()));
    } catch (IOException e) {
      throw values.invalid(WITNESS_POLICY, "couldn't read it: " + e);
    } catch (IllegalArgumentException e) {
      throw values.invalid(WITNESS_POLICY, e.getMessage());
    }
    Optional<SSLContext> tls = Optional.empty();
    if (values.get(WITNESS_CA).isPresent()) {
      try {
        tls = Optional.of(TrustedCertificates.sslContext(values.get(WITNESS_CA).get()));
      } catch (IOException e) {
        throw values.invalid(WITNESS_CA, e.getMessage());
      }
    }
    try {
      return Optional.of(WitnessQuorum.create(policy, values.get(WITNESS_TIMEOUT),
          values.get(WITNESS_FAIL_OPEN), new FileCosignedSizes(data()), tls));
    } catch (IllegalArgumentException e) {
      throw values.invalid(WITNESS_POLICY, e.getMessage());
    }
  }

  /** The PKCS#11 token, if one is configured: library, token and PIN file come together. */
  Optional<HsmSettings> hsm() {
    return hsm(values, PKCS11_LIBRARY, PKCS11_KEY);
  }

  /**
   * The PKCS#11 token in {@code values}, if one is configured: library, token and PIN file come
   * together, and {@code key} (the role's {@code pkcs11_key}) needs them. {@code library} and
   * {@code key} are the role's declarations (their help differs between roles).
   */
  static Optional<HsmSettings> hsm(SettingValues values, Setting<Optional<Path>> library,
      Setting<Optional<String>> key) {
    Optional<Path> module = values.get(library);
    Optional<String> token = values.get(PKCS11_TOKEN);
    Optional<Path> pin = values.get(PKCS11_PIN_FILE);
    if (module.isEmpty()) {
      for (Setting<? extends Optional<?>> s : List.of(PKCS11_TOKEN, PKCS11_PIN_FILE, key)) {
        if (values.get(s).isPresent()) {
          throw values.invalid(s, "needs " + library.named() + ", the token's PKCS#11"
              + " module, e.g. /usr/lib/softhsm/libsofthsm2.so");
        }
      }
      return Optional.empty();
    }
    if (token.isEmpty()) {
      throw values.invalid(library, "needs " + PKCS11_TOKEN.named()
          + ", the label of the token");
    }
    if (pin.isEmpty()) {
      throw values.invalid(library, "needs " + PKCS11_PIN_FILE.named()
          + ", a file holding the token's user PIN");
    }
    return Optional.of(new HsmSettings(module.get(), token.get(), pin.get(), values.get(key)));
  }

  /**
   * The HTTP limits and TLS: certificate and key come together; a batch fits in the pool (in
   * entries and bytes), and any body in the budget of bodies being read.
   */
  HttpConfig httpConfig() {
    Optional<HttpConfig.Tls> tls = tls(values);
    int poolLimit = values.get(POOL_LIMIT);
    int entries = values.get(MAX_BATCH_ENTRIES);
    if (values.source(MAX_BATCH_ENTRIES) instanceof Source.Default) {
      entries = Math.min(entries, poolLimit);
    } else if (entries > poolLimit) {
      throw values.invalid(MAX_BATCH_ENTRIES, "must not exceed pool_limit (" + poolLimit
          + "): a batch larger than the pool could never be taken");
    }
    long poolBytes = values.get(POOL_BYTES);
    int batchBytes = values.get(MAX_BATCH_BYTES);
    if (values.source(MAX_BATCH_BYTES) instanceof Source.Default) {
      batchBytes = (int) Math.min(batchBytes, poolBytes);
    } else if (batchBytes > poolBytes) {
      throw values.invalid(MAX_BATCH_BYTES, "must not exceed pool_bytes (" + poolBytes
          + "): a batch larger than the pool could never be taken");
    }
    long bodies = values.get(MAX_BODY_BYTES_IN_FLIGHT);
    if (bodies < Math.max(batchBytes, Bundles.MAX_ENTRY_SIZE)) {
      throw values.invalid(MAX_BODY_BYTES_IN_FLIGHT, "must be at least max_batch_bytes ("
          + batchBytes + ") and the largest entry (" + Bundles.MAX_ENTRY_SIZE + " bytes): a"
          + " larger body could never be read");
    }
    try {
      HttpConfig c = new HttpConfig(host(), port(), entries, batchBytes,
          values.get(MAX_BODY_BYTES_IN_FLIGHT), values.get(MAX_HEADER_BYTES),
          values.get(MAX_CONNECTIONS), values.get(MAX_CONNECTIONS_PER_ADDRESS),
          values.get(IDLE_TIMEOUT), values.get(PROOF_WAIT), Optional.empty());
      return tls.isEmpty() ? c : c.withTls(tls.get());
    } catch (IllegalArgumentException e) {
      throw new SettingsException("invalid HTTP limits: " + e.getMessage());
    }
  }

  /**
   * HTTPS from {@link #TLS_CERT} and {@link #TLS_KEY} (which {@code values} must declare), if
   * given: certificate and key come together.
   */
  static Optional<HttpConfig.Tls> tls(SettingValues values) {
    Optional<Path> cert = values.get(TLS_CERT);
    Optional<Path> key = values.get(TLS_KEY);
    if (cert.isPresent() != key.isPresent()) {
      throw cert.isPresent()
          ? values.invalid(TLS_CERT, "needs " + TLS_KEY.named()
              + ", the certificate's private key file")
          : values.invalid(TLS_KEY, "needs " + TLS_CERT.named()
              + ", the certificate chain file");
    }
    return cert.map(c -> new HttpConfig.Tls(c, key.get(), TLS_RELOAD_INTERVAL));
  }

  Profile profile() {
    return values.get(PROFILE);
  }

  AuthSettings auth() {
    AuthSettings d = AuthSettings.none();
    try {
      return new AuthSettings(values.get(AUTH_JWKS), values.get(AUTH_ISSUER),
          values.get(AUTH_AUDIENCE), values.get(AUTH_ROLES_CLAIM), d.clockSkew(),
          d.strictKeyId(), d.refreshInterval(), d.minRefreshGap(), d.maxStale(),
          d.maxTokenBytes());
    } catch (IllegalArgumentException e) {
      throw new SettingsException("invalid authentication settings: " + e.getMessage());
    }
  }

  /**
   * The audit log: unless set, {@code audit.jsonl} in a directory beside the data directory
   * named after it ({@code ./cairn-data-audit/} for {@code ./cairn-data}), so that a flood of
   * audit lines does not fill the volume the log's entries are on, when the data directory is
   * a volume of its own.
   */
  Path auditLog() {
    Path data = data().toAbsolutePath().normalize();
    return values.get(AUDIT_LOG).orElse(data.getParent() == null ? data.resolve("audit.jsonl")
        : data.resolveSibling(data.getFileName() + "-audit").resolve("audit.jsonl"));
  }

  /** Whether the audit log is where it is by default (not set). */
  boolean auditLogDefault() {
    return values.get(AUDIT_LOG).isEmpty();
  }

  /** How large the audit log may grow. */
  AuditLog.Limits auditLimits() {
    try {
      return new AuditLog.Limits(values.get(AUDIT_LOG_MAX_BYTES), values.get(AUDIT_LOG_FILES),
          values.get(AUDIT_REFUSAL_BYTES_PER_SECOND));
    } catch (IllegalArgumentException e) {
      throw new SettingsException("invalid audit log settings: " + e.getMessage());
    }
  }

  boolean ui() {
    return values.get(UI);
  }

  boolean allowFileKeys() {
    return values.get(ALLOW_FILE_KEYS);
  }

  int rateLimitPerAddress() {
    return values.get(RATE_LIMIT_ADDRESS);
  }

  int rateLimitPerSubject() {
    return values.get(RATE_LIMIT_SUBJECT);
  }

  LogFormat logFormat() {
    return values.get(LOG_FORMAT);
  }

  /**
   * The SHA-256 of the effective settings, secrets excluded (see {@link SettingValues#sha256}),
   * for {@code cairn_config_info} and the start's log line.
   */
  String configHash() {
    return values.sha256();
  }

  /**
   * Where spans go, if anywhere: {@code otel_endpoint}, else OpenTelemetry's own {@code
   * OTEL_EXPORTER_OTLP_ENDPOINT} from {@code env}; an http(s) URL with a host.
   */
  Optional<URI> otelEndpoint(Map<String, String> env) {
    Optional<String> set = values.get(OTEL_ENDPOINT);
    String given = set.orElse(env.getOrDefault(OTLP_ENDPOINT_VARIABLE, "").strip());
    if (given.isEmpty()) {
      return Optional.empty();
    }
    URI uri;
    try {
      uri = new URI(given);
    } catch (URISyntaxException e) {
      uri = null;
    }
    if (uri == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
        || uri.getHost() == null || uri.getQuery() != null || uri.getFragment() != null) {
      String why = "must be the collector's http:// or https:// URL, e.g."
          + " http://127.0.0.1:4318";
      if (set.isPresent()) {
        throw values.invalid(OTEL_ENDPOINT, why);
      }
      throw new SettingsException(OTLP_ENDPOINT_VARIABLE + " \"" + given + "\" " + why);
    }
    return Optional.of(uri);
  }

  /** OpenTelemetry's environment variable for the collector, used when otel_endpoint is not. */
  static final String OTLP_ENDPOINT_VARIABLE = "OTEL_EXPORTER_OTLP_ENDPOINT";

  /** Each setting with where it came from, for {@code GET /admin/config}. */
  Map<String, String> describe() {
    return values.describe();
  }
}
