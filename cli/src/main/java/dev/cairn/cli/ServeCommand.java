package dev.cairn.cli;

import dev.cairn.log.auth.AuthSettings;
import dev.cairn.log.auth.Profile;
import dev.cairn.log.http.LogServer;
import dev.cairn.log.http.WriteGuard;
import dev.cairn.log.TransparencyLog;
import dev.cairn.log.keys.HsmSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code cairn serve}: runs a log on the embedded storage of a data directory. */
@Command(name = "serve", description = {
    "Run a transparency log on the embedded storage of a data directory (created on first start"
        + " with new keys), serving the C2SP tlog-tiles API, writes, proofs and history.",
    "Settings come from defaults < --config FILE < CAIRN_* environment variables < flags."})
final class ServeCommand implements Callable<Integer> {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ServeCommand.class);
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--config", description = "A YAML file of settings (schema_version: 1).")
  Path config;

  @Option(names = "--data", description = "Data directory (default ./cairn-data).")
  String data;

  @Option(names = "--listen", description = "HOST:PORT to listen on (default 127.0.0.1:8080).")
  String listen;

  @Option(names = "--origin", description = "Origin of a new log, e.g. example.com/log.")
  String origin;

  @Option(names = "--sequencing-interval", description = "Shortest time between batch starts (10ms).")
  String sequencingInterval;

  @Option(names = "--batch-size", description = "Most entries per batch (4096).")
  String batchSize;

  @Option(names = "--pool-limit", description = "Most entries waiting (65536).")
  String poolLimit;

  @Option(names = "--checkpoint-interval", description = "Checkpoint publication interval (1s).")
  String checkpointInterval;

  @Option(names = "--profile", description = "dev (default; authentication may be off) or"
      + " prod (refuses to start unless authentication, keys and listening are safe).")
  String profile;

  @Option(names = "--auth-jwks", paramLabel = "URL|FILE", description = "The JWKS that signs"
      + " bearer tokens; turns authentication of writes on.")
  String authJwks;

  @Option(names = "--auth-issuer", description = "The tokens' required issuer (iss).")
  String authIssuer;

  @Option(names = "--auth-audience", description = "The audience (aud) tokens must name.")
  String authAudience;

  @Option(names = "--auth-roles-claim", description = "The claim holding the role names"
      + " (roles).")
  String authRolesClaim;

  @Option(names = "--audit-log", paramLabel = "FILE", description = "Where every"
      + " authentication decision is appended (DATA/audit.jsonl).")
  String auditLog;

  @Option(names = "--allow-file-keys", arity = "0..1", fallbackValue = "true",
      description = "In the prod profile, accept the key files in the data directory.")
  String allowFileKeys;

  @Option(names = "--rate-limit-address", paramLabel = "N", description = "Writes per second"
      + " from one client address, bursts of twice that; 0 for no limit (0).")
  String rateLimitAddress;

  @Option(names = "--rate-limit-subject", paramLabel = "N", description = "Writes per second"
      + " from one token subject, bursts of twice that; 0 for no limit (0).")
  String rateLimitSubject;

  @Option(names = "--pkcs11-library", paramLabel = "FILE", description = "The PKCS#11 module"
      + " of the token holding HSM checkpoint keys (e.g. /usr/lib/softhsm/libsofthsm2.so).")
  String pkcs11Library;

  @Option(names = "--pkcs11-token", paramLabel = "LABEL", description = "The token's label.")
  String pkcs11Token;

  @Option(names = "--pkcs11-pin-file", paramLabel = "FILE", description = "File holding the"
      + " token's user PIN (first line).")
  String pkcs11PinFile;

  @Option(names = "--pkcs11-key", paramLabel = "LABEL", description = "For a new log: the"
      + " label of the HSM key (Ed25519 or EC P-256) that signs instead of an Ed25519 file key.")
  String pkcs11Key;

  @Option(names = "--tls-cert", paramLabel = "FILE", description = "Serve HTTPS with this PEM"
      + " certificate chain (leaf first); renewed files are picked up within a minute.")
  String tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE", description = "The certificate's PEM"
      + " private key (unencrypted; PKCS#8, SEC1 or PKCS#1).")
  String tlsKey;

  @Option(names = "--idle-timeout", description = "Close a connection silent this long (30s).")
  String idleTimeout;

  @Option(names = "--max-connections", paramLabel = "N", description = "Most connections open"
      + " at once; more wait to be accepted (10000).")
  String maxConnections;

  @Option(names = "--max-connections-per-address", paramLabel = "N", description = "Most"
      + " connections open at once from one client address; more are closed as they open; 0"
      + " for no limit (1024). Behind a proxy on this machine, raise it or set 0.")
  String maxConnectionsPerAddress;

  @Option(names = "--max-header-bytes", paramLabel = "N", description = "Largest request"
      + " header block; 431 beyond (16384).")
  String maxHeaderBytes;

  @Option(names = "--max-batch-bytes", paramLabel = "N", description = "Largest /add-batch"
      + " body; 413 beyond (8388608).")
  String maxBatchBytes;

  @Option(names = "--max-batch-entries", paramLabel = "N", description = "Most entries in one"
      + " /add-batch; 413 beyond (4096).")
  String maxBatchEntries;

  @Option(names = "--proof-wait", description = "How long /add with Accept: application/json"
      + " waits for its checkpoint before 503 (30s).")
  String proofWait;

  /** Released to stop a server started by {@link #call()} (tests). */
  final CountDownLatch stop = new CountDownLatch(1);

  @Override
  public Integer call() throws Exception {
    Map<String, String> flags = new HashMap<>();
    put(flags, "data", data);
    put(flags, "listen", listen);
    put(flags, "origin", origin);
    put(flags, "sequencing_interval", sequencingInterval);
    put(flags, "batch_size", batchSize);
    put(flags, "pool_limit", poolLimit);
    put(flags, "checkpoint_interval", checkpointInterval);
    put(flags, "profile", profile);
    put(flags, "auth_jwks", authJwks);
    put(flags, "auth_issuer", authIssuer);
    put(flags, "auth_audience", authAudience);
    put(flags, "auth_roles_claim", authRolesClaim);
    put(flags, "audit_log", auditLog);
    put(flags, "allow_file_keys", allowFileKeys);
    put(flags, "rate_limit_address", rateLimitAddress);
    put(flags, "rate_limit_subject", rateLimitSubject);
    put(flags, "pkcs11_library", pkcs11Library);
    put(flags, "pkcs11_token", pkcs11Token);
    put(flags, "pkcs11_pin_file", pkcs11PinFile);
    put(flags, "pkcs11_key", pkcs11Key);
    put(flags, "tls_cert", tlsCert);
    put(flags, "tls_key", tlsKey);
    put(flags, "idle_timeout", idleTimeout);
    put(flags, "max_connections", maxConnections);
    put(flags, "max_connections_per_address", maxConnectionsPerAddress);
    put(flags, "max_header_bytes", maxHeaderBytes);
    put(flags, "max_batch_bytes", maxBatchBytes);
    put(flags, "max_batch_entries", maxBatchEntries);
    put(flags, "proof_wait", proofWait);
    ServeSettings s = ServeSettings.resolve(Optional.ofNullable(config), System.getenv(), flags);
    var logConfig = s.logConfig();
    var httpConfig = s.httpConfig();
    AuthSettings auth = s.auth();
    // With a token configured, which keys are file keys is known once the ring is read (below),
    // unless the log is new: then its first key is a file key unless pkcs11_key names one.
    boolean newLog = !Files.exists(logConfig.dataDir().resolve("keys"));
    Optional<String> newLogKey = s.hsm().flatMap(HsmSettings::newLogKey);
    List<String> problems = s.profile().problems(auth, httpConfig.host(),
        httpConfig.tls().isPresent(), s.allowFileKeys()
            || (s.hsm().isPresent() && (!newLog || newLogKey.isPresent())));
    Map<String, Path> secrets = new HashMap<>();
    s.hsm().ifPresent(h -> secrets.put("pkcs11_pin_file", h.pinFile()));
    httpConfig.tls().ifPresent(t -> secrets.put("tls_key", t.key()));
    problems = new ArrayList<>(problems);
    problems.addAll(s.profile().secretFileProblems(secrets));
    if (!problems.isEmpty()) {
      throw new CliException(CliException.USAGE, "the prod profile refuses to start:\n  - "
          + String.join("\n  - ", problems));
    }
    int perAddress = s.integer("rate_limit_address");
    int perSubject = s.integer("rate_limit_subject");
    // Loading the HTTP stack overlaps with opening (and recovering) the log.
    CompletableFuture<LogServer> prepared = CompletableFuture.supplyAsync(() -> {
      try {
        return LogServer.prepare(httpConfig);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    if (httpConfig.tls().isPresent()) {
      // A certificate that cannot be served stops the start before the log is touched.
      try {
        prepared.join();
      } catch (java.util.concurrent.CompletionException e) {
        throw new CliException(CliException.USAGE, "couldn't use the TLS certificate: "
            + (e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause().getMessage()
            : String.valueOf(e.getCause())));
      }
    }
    TransparencyLog log;
    try {
      log = TransparencyLog.open(logConfig);
    } catch (IOException e) {
      throw new CliException(CliException.IO, "couldn't open the log: " + e.getMessage());
    }
    List<String> keyProblems = new ArrayList<>(
        s.profile().keyProblems(log.keys().ring(), s.allowFileKeys()));
    if (!newLog && newLogKey.isPresent() && log.keys().ring().active().stream()
        .noneMatch(e -> newLogKey.get().equals(e.pkcs11Label()))) {
      String ignored = "pkcs11_key (--pkcs11-key) \"" + newLogKey.get() + "\" names the first"
          + " key of a new log, but this log exists and that key is not one of its active keys:"
          + " add it with cairn key rotate --pkcs11-label " + newLogKey.get()
          + ", or drop the setting";
      if (s.profile() == Profile.PROD) {
        keyProblems.add(ignored);
      } else {
        LOG.warn(ignored);
      }
    }
    if (!keyProblems.isEmpty()) {
      log.close();
      throw new CliException(CliException.USAGE, "the prod profile refuses to start:\n  - "
          + String.join("\n  - ", keyProblems));
    }
    WriteGuard guard;
    try {
      guard = (auth.enabled() ? WriteGuard.jwt(auth, s.auditLog(), Clock.systemUTC())
          : WriteGuard.open()).withRateLimits(perAddress, perSubject);
    } catch (IOException e) {
      log.close();
      throw new CliException(CliException.IO, "couldn't open the audit log " + s.auditLog()
          + ": " + e.getMessage());
    }
    LogServer server;
    try {
      // A rotation over the admin routes may not leave the ring prod would refuse to start on.
      server = prepared.join().serve(log, httpConfig, guard, s.describe(),
          ring -> s.profile().keyProblems(ring, s.allowFileKeys()));
    } catch (Exception e) {
      log.close();
      guard.close();
      throw new CliException(CliException.IO, "couldn't listen on " + httpConfig.host() + ":"
          + httpConfig.port() + ": " + e.getMessage());
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(server, log, guard)));
    banner(log, httpConfig.scheme(), httpConfig.host(), server.port());
    if (auth.enabled()) {
      spec.commandLine().getOut().println("cairn: writes need a bearer JWT with the role"
          + " submitter from " + auth.jwks().orElseThrow() + "; decisions go to "
          + s.auditLog());
    } else {
      LOG.warn("WRITES ARE UNAUTHENTICATED: anyone who can reach {}:{} can add entries (dev"
          + " profile without --auth-jwks)", httpConfig.host(), server.port());
    }
    spec.commandLine().getOut().flush();
    stop.await();
    shutdown(server, log, guard);
    return 0;
  }

  private static void put(Map<String, String> flags, String key, String value) {
    if (value != null) {
      flags.put(key, value);
    }
  }

  private void banner(TransparencyLog log, String scheme, String host, int port) {
    PrintWriter out = spec.commandLine().getOut();
    String base = scheme + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    out.println("cairn: serving " + log.keys().origin() + " at " + base + " from "
        + log.dataDir());
    out.println("cairn: " + log.publisher().latest().checkpoint().size()
        + " entries in the latest checkpoint");
    out.println("cairn: verifier keys (also in " + log.dataDir().resolve("log.vkey") + "):");
    for (String k : log.keys().verifierKeys()) {
      out.println("  " + k);
    }
    out.println("cairn: try   curl --data-binary 'hello, log' " + base + "/add   then   curl "
        + base + "/checkpoint");
    out.flush();
  }

  private static synchronized void shutdown(LogServer server, TransparencyLog log,
      WriteGuard guard) {
    try {
      server.close();
    } catch (Exception e) {
      System.err.println("cairn: stopping the server: " + e);
    }
    try {
      guard.close();
    } catch (IOException e) {
      System.err.println("cairn: closing the audit log: " + e);
    }
    try {
      log.close();
    } catch (IOException | RuntimeException e) {
      System.err.println("cairn: closing the log: " + e);
    }
  }
}
