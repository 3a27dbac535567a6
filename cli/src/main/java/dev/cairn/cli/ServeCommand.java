package dev.cairn.cli;

import dev.cairn.log.auth.AuthSettings;
import dev.cairn.log.auth.Profile;
import dev.cairn.log.http.LogServer;
import dev.cairn.log.http.WriteGuard;
import dev.cairn.cluster.ClusterNode;
import dev.cairn.cluster.ClusterStorage;
import dev.cairn.log.LogConfig;
import dev.cairn.log.ServedLog;
import dev.cairn.log.TransparencyLog;
import dev.cairn.log.keys.HsmSettings;
import dev.cairn.log.tracing.Tracing;
import dev.cairn.log.witnessing.WitnessQuorum;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** {@code cairn serve}: runs a log on the embedded storage of a data directory. */
@Command(name = "serve", modelTransformer = ServeCommand.Options.class, description = {
    "Run a transparency log on the embedded storage of a data directory (created on first start"
        + " with new keys), serving the C2SP tlog-tiles API, writes, proofs and history.",
    "Settings come from defaults < --config FILE < CAIRN_* environment variables < flags."})
final class ServeCommand implements Callable<Integer> {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ServeCommand.class);
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Adds an option for each of {@link ServeSettings#ALL} to the command. */
  static final class Options implements CommandLine.IModelTransformer {
    @Override
    public CommandLine.Model.CommandSpec transform(CommandLine.Model.CommandSpec spec) {
      return ServeSettings.ALL.addOptionsTo(spec);
    }
  }

  /** Released to stop a server started by {@link #call()} (tests). */
  final CountDownLatch stop = new CountDownLatch(1);

  @Override
  public Integer call() throws Exception {
    ServeSettings s = new ServeSettings(ServeSettings.ALL.resolve(spec, System.getenv()));
    s.logFormat().apply();
    Duration shutdownTimeout = s.shutdownTimeout();
    Optional<URI> otel = s.otelEndpoint(System.getenv());
    Optional<WitnessQuorum> witnesses = s.witnesses();
    // Spans go out from here on; the last ones are sent after the log closed, at shutdown.
    Tracing tracing = Tracing.open("cairn-log", otel);
    var logConfig = witnesses.map(q -> s.logConfig().withEndorser(q, q.endorseTimeout()))
        .orElseGet(s::logConfig).withTracing(tracing);
    otel.ifPresent(u -> LOG.info("tracing: spans go to {}/v1/traces", u));
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
    s.hsm().ifPresent(h -> secrets.put(ServeSettings.PKCS11_PIN_FILE.key(), h.pinFile()));
    httpConfig.tls().ifPresent(t -> secrets.put(ServeSettings.TLS_KEY.key(), t.key()));
    problems = new ArrayList<>(problems);
    problems.addAll(s.profile().secretFileProblems(secrets));
    if (!problems.isEmpty()) {
      witnesses.ifPresent(WitnessQuorum::close);
      throw new CliException(CliException.USAGE, "the prod profile refuses to start:\n  - "
          + String.join("\n  - ", problems));
    }
    int perAddress = s.rateLimitPerAddress();
    int perSubject = s.rateLimitPerSubject();
    // Loading the HTTP stack overlaps with opening (and recovering) the log; a certificate
    // that cannot be served stops the start before the log is touched.
    CompletableFuture<LogServer> prepared;
    try {
      prepared = LogServer.prepareAsync(httpConfig);
    } catch (IOException | RuntimeException e) {
      witnesses.ifPresent(WitnessQuorum::close);
      throw new CliException(CliException.USAGE, "couldn't use the TLS certificate: "
          + (e instanceof IOException ? e.getMessage() : e.toString()));
    }
    ServedLog log;
    try {
      log = open(s, logConfig);
    } catch (IOException e) {
      witnesses.ifPresent(WitnessQuorum::close);
      throw new CliException(CliException.IO, "couldn't open the log: " + e.getMessage());
    }
    String configHash = s.configHash();
    log.metrics().configInfo(configHash);
    log.metrics().buildInfo(Main.version(), Main.commit());
    LOG.info("cairn {} (commit {}) serving with configuration {}", Main.version(), Main.commit(),
        configHash);
    if (witnesses.isPresent()) {
      List<String> wrong = witnesses.get().logProblems(log.keys().origin(),
          log.keys().ring().signingOrder().stream().map(e -> e.key()).toList());
      if (!wrong.isEmpty()) {
        log.close();
        witnesses.get().close();
        throw new CliException(CliException.USAGE, "the witness policy "
            + ServeSettings.WITNESS_POLICY.named() + " is not this log's:\n  - "
            + String.join("\n  - ", wrong));
      }
      if (witnesses.get().failOpen()) {
        LOG.warn("WITNESS FAIL-OPEN: checkpoints are published without the witness quorum when"
            + " it is missing; clients enforcing the policy reject them (unsafe)");
      }
    }
    List<String> keyProblems = new ArrayList<>(
        s.profile().keyProblems(log.keys().ring(), s.allowFileKeys()));
    if (!newLog && newLogKey.isPresent() && log.keys().ring().active().stream()
        .noneMatch(e -> newLogKey.get().equals(e.pkcs11Label()))) {
      String ignored = ServeSettings.PKCS11_KEY.named() + " \"" + newLogKey.get()
          + "\" names the first key of a new log, but this log exists and that key is not one"
          + " of its active keys: add it with cairn key rotate --pkcs11-label " + newLogKey.get()
          + ", or drop the setting";
      if (s.profile() == Profile.PROD) {
        keyProblems.add(ignored);
      } else {
        LOG.warn(ignored);
      }
    }
    if (!keyProblems.isEmpty()) {
      log.close();
      witnesses.ifPresent(WitnessQuorum::close);
      throw new CliException(CliException.USAGE, "the prod profile refuses to start:\n  - "
          + String.join("\n  - ", keyProblems));
    }
    Path earlierAudit = logConfig.dataDir().resolve("audit.jsonl");
    if (auth.enabled() && s.auditLogDefault() && Files.exists(earlierAudit)) {
      LOG.warn("the audit log is now {} by default, outside the data directory; the earlier"
          + " decisions stay in {} (set audit_log to that file to go on with it)",
          s.auditLog(), earlierAudit);
    }
    WriteGuard guard;
    try {
      guard = (auth.enabled()
          ? WriteGuard.jwt(auth, s.auditLog(), s.auditLimits(), Clock.systemUTC())
          : WriteGuard.open()).withRateLimits(perAddress, perSubject);
    } catch (IOException e) {
      log.close();
      witnesses.ifPresent(WitnessQuorum::close);
      throw new CliException(CliException.IO, "couldn't open the audit log " + s.auditLog()
          + ": " + e.getMessage());
    }
    LogServer server;
    try {
      // A rotation over the admin routes may not leave the ring prod would refuse to start on.
      server = prepared.join().withUi(s.ui()).serve(log, httpConfig, guard, s.describe(),
          ring -> s.profile().keyProblems(ring, s.allowFileKeys()));
    } catch (Exception e) {
      log.close();
      guard.close();
      witnesses.ifPresent(WitnessQuorum::close);
      // A failure of the preparation's thread comes wrapped; say what it was.
      Throwable why = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
          ? e.getCause() : e;
      throw new CliException(CliException.IO, "couldn't listen on " + httpConfig.host() + ":"
          + httpConfig.port() + ": " + why.getMessage());
    }
    Stopping stopping = new Stopping(server, log, guard, witnesses, tracing,
        spec.commandLine().getOut());
    // On an exit other than by SIGTERM or SIGINT (handled below), close what is open.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stopping.run(LogServer.DEFAULT_DRAIN),
        "cairn-shutdown-hook"));
    banner(log, httpConfig.scheme(), httpConfig.host(), server.port(), s.ui());
    witnesses.flatMap(WitnessQuorum::policy).ifPresent(p -> spec.commandLine().getOut().println(
        "cairn: checkpoints need witness quorum " + p.quorum() + " of " + p.witnesses().size()
            + " witness key(s), " + (witnesses.get().failOpen() ? "FAIL-OPEN (unsafe)"
            : "fail-closed") + "; clients verify with GET /policy"));
    if (auth.enabled()) {
      spec.commandLine().getOut().println("cairn: writes need a bearer JWT with the role"
          + " submitter from " + auth.jwks().orElseThrow() + "; decisions go to "
          + s.auditLog());
    } else {
      LOG.warn("WRITES ARE UNAUTHENTICATED: anyone who can reach {}:{} can add entries (dev"
          + " profile without --auth-jwks)", httpConfig.host(), server.port());
    }
    spec.commandLine().getOut().flush();
    Map<String, Object> previous = onStopSignals(stop);
    try {
      stop.await();
    } finally {
      restoreSignals(previous);
    }
    return stop(stopping, shutdownTimeout);
  }

  /**
   * Stops within {@code timeout}: 0 once the server, the log (its final checkpoint published)
   * and the rest are closed, 1 if closing failed or took longer (the process then exits with
   * the closing unfinished; every acknowledged entry is durable, and published at the next
   * start).
   */
  private int stop(Stopping stopping, Duration timeout) throws InterruptedException {
    PrintWriter err = spec.commandLine().getErr();
    spec.commandLine().getOut().println("cairn: stopping (within " + timeout.toMillis()
        + " ms): no new connections, requests in flight finish");
    spec.commandLine().getOut().flush();
    Thread closing = Thread.ofPlatform().name("cairn-stop")
        .start(() -> stopping.run(timeout.dividedBy(2)));
    if (!closing.join(timeout)) {
      err.println("cairn: stopping took longer than " + ServeSettings.SHUTDOWN_TIMEOUT.named()
          + ", " + timeout.toMillis() + " ms: exiting before the log is closed (acknowledged"
          + " entries are durable and published at the next start)");
      err.flush();
      return 1;
    }
    return stopping.clean() ? 0 : 1;
  }

  /**
   * Makes SIGTERM (how supervisors and Kubernetes stop a process) and SIGINT (Ctrl-C) release
   * {@code stop}, so that the server stops in order and the process exits 0 rather than the
   * JVM's 143 or 130; returns the handlers they had, for {@link #restoreSignals}.
   */
  private static Map<String, Object> onStopSignals(CountDownLatch stop) {
    Map<String, Object> previous = new HashMap<>();
    for (String name : List.of("TERM", "INT")) {
      try {
        previous.put(name, sun.misc.Signal.handle(new sun.misc.Signal(name),
            signal -> stop.countDown()));
      } catch (IllegalArgumentException e) {
        // Reserved here (the JVM runs with -Xrs, or no such signal): the shutdown hook stops.
      }
    }
    return previous;
  }

  /** Gives the signals back the handlers they had before {@link #onStopSignals}. */
  private static void restoreSignals(Map<String, Object> previous) {
    previous.forEach((name, handler) -> sun.misc.Signal.handle(new sun.misc.Signal(name),
        (sun.misc.SignalHandler) handler));
  }

  /**
   * The log on the embedded storage of its data directory, or a node of a cluster on
   * PostgreSQL and an S3-compatible bucket.
   */
  private static ServedLog open(ServeSettings s, LogConfig config) throws IOException {
    Optional<Map.Entry<String, String>> cluster = s.cluster();
    if (cluster.isEmpty()) {
      return TransparencyLog.open(config);
    }
    ClusterStorage storage = ClusterOptions.open(cluster.get().getKey(),
        ServeSettings.POSTGRES.named(), cluster.get().getValue(), ServeSettings.OBJECTS.named(),
        System.getenv(), config.nodeId());
    try {
      return ClusterNode.start(config, storage.database(), storage.objects(), s.leaseTtl());
    } catch (IOException | RuntimeException e) {
      storage.close();
      throw e;
    }
  }

  private void banner(ServedLog log, String scheme, String host, int port, boolean ui) {
    PrintWriter out = spec.commandLine().getOut();
    String base = scheme + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    out.println("cairn: serving " + log.keys().origin() + " at " + base + " from "
        + log.dataDir());
    out.println("cairn: " + log.checkpoints().latest().checkpoint().size()
        + " entries in the latest checkpoint");
    out.println("cairn: verifier keys (also in " + log.dataDir().resolve("log.vkey") + "):");
    for (String k : log.keys().verifierKeys()) {
      out.println("  " + k);
    }
    out.println("cairn: try   curl --data-binary 'hello, log' " + base + "/add   then   curl "
        + base + "/checkpoint");
    if (ui) {
      out.println("cairn: look entries up and verify them in a browser: " + base + "/ui/");
    }
    out.flush();
  }

  /**
   * Stops, once, in order: the server (no new connections; requests in flight finish for up
   * to the drain time), the write guard, the log (which sequences what is pooled, integrates it
   * and publishes a final checkpoint), the witness clients, and the tracing (sending the last
   * spans).
   */
  private static final class Stopping {
    private final LogServer server;
    private final ServedLog log;
    private final WriteGuard guard;
    private final Optional<WitnessQuorum> witnesses;
    private final Tracing tracing;
    private final PrintWriter out;
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean clean = true;

    Stopping(LogServer server, ServedLog log, WriteGuard guard,
        Optional<WitnessQuorum> witnesses, Tracing tracing, PrintWriter out) {
      this.server = server;
      this.log = log;
      this.guard = guard;
      this.witnesses = witnesses;
      this.tracing = tracing;
      this.out = out;
    }

    /** Stops everything, letting requests in flight finish for up to {@code drain}. */
    void run(Duration drain) {
      if (!started.compareAndSet(false, true)) {
        return;
      }
      try {
        server.close(drain);
      } catch (Exception e) {
        fail("stopping the server: " + e);
      }
      say("cairn: no longer serving; sequencing what is pooled and publishing a final"
          + " checkpoint");
      try {
        guard.close();
      } catch (IOException e) {
        fail("closing the audit log: " + e);
      }
      try {
        log.close();
      } catch (IOException | RuntimeException e) {
        fail("closing the log: " + e);
      }
      witnesses.ifPresent(WitnessQuorum::close);
      tracing.close();
      if (clean) {
        say("cairn: stopped");
      }
    }

    /** Whether everything closed without an error. */
    boolean clean() {
      return clean;
    }

    private void say(String line) {
      synchronized (out) {
        out.println(line);
        out.flush();
      }
    }

    private void fail(String what) {
      clean = false;
      System.err.println("cairn: " + what);
    }
  }
}
