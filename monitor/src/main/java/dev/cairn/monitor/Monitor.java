package dev.cairn.monitor;

import dev.cairn.monitor.alert.Alert;
import dev.cairn.monitor.check.LogAudit;
import dev.cairn.monitor.check.LogState;
import dev.cairn.monitor.check.JettyTransport;
import dev.cairn.monitor.check.Retrying;
import dev.cairn.monitor.check.StateStore;
import dev.cairn.monitor.config.MonitorConfig;
import dev.cairn.monitor.config.MonitorConfig.LogTarget;
import dev.cairn.monitor.report.Evidence;
import dev.cairn.monitor.report.Finding;
import dev.cairn.monitor.report.LogResult;
import dev.cairn.monitor.report.Report;
import dev.cairn.monitor.report.Rule;
import dev.cairn.read.DirectoryLogReader;
import dev.cairn.read.HttpLogReader;
import dev.cairn.read.LogReader;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.MDC;

/**
 * Runs audits: every configured log at once (a virtual thread each), then one report, the
 * findings that opened and resolved told to the alert channels, and the accepted checkpoints
 * kept for the next run.
 *
 * <p>What a run changes, in order, each step durable before the next: the report (written once:
 * a run ID whose report exists is not run again, its report is returned — so a rerun is
 * idempotent); the alerts (queued, idempotent by alert ID); the ledger of open findings
 * (naming the run it reflects); then the logs' accepted states. A crash between steps is
 * completed by running the same run ID again, or by {@link #open} for the newest report: no
 * alert is lost or sent twice, and a log whose state was not written is replayed again.
 *
 * <p>Runs never overlap: one waits for the run under way, so runs apply in the order they looked
 * at the logs. Each log's audit is bounded ({@link #AUDIT_DEADLINE}, then interrupted) and
 * isolated: one that fails or overruns makes that log unreachable in the report, never the
 * run fail. An audit of one log never overlaps another of it: a run that finds one still under
 * way (past an earlier run's deadline) joins it. A log that was unreachable {@link #BREAKER_FAILURES} runs in a row is not read again
 * until {@link #BREAKER_COOLDOWN} has passed (its circuit breaker is open; the run reports it
 * unreachable without a request), then once (half-open).
 */
public final class Monitor implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Monitor.class);
  private static final DateTimeFormatter RUN_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  static final int BREAKER_FAILURES = 3;
  static final Duration BREAKER_COOLDOWN = Duration.ofMinutes(5);
  /** How a witness's monitoring endpoint is read again after a failure (full jitter). */
  static final Retrying.Policy WITNESS_RETRIES = Retrying.Policy.DEFAULT;
  /** The longest one run waits for a log's audit (a 100 M-entry catch-up takes ~4 min). */
  static final Duration AUDIT_DEADLINE = Duration.ofMinutes(30);
  private static final AttributeKey<String> RUN_ID = AttributeKey.stringKey("cairn.run_id");
  private static final AttributeKey<String> LOG_NAME = AttributeKey.stringKey("cairn.log");

  /** Where reports are kept. */
  public interface Reports {
    /** The report of {@code runId}, if written. */
    Optional<Report> read(String runId) throws IOException;

    /** Writes {@code report} durably. */
    void write(Report report) throws IOException;
  }

  /** Where alerts go: queued durably, idempotent by alert ID and channel. */
  public interface Alerts {
    /** Queues {@code alerts} on every channel that takes them. */
    void enqueue(List<Alert> alerts) throws IOException;
  }

  /**
   * The open findings, as of the run they reflect: kept as a report ({@code runId} the run
   * applied, its findings those open after it).
   */
  public interface Ledger {
    /** The ledger, if one was written. */
    Optional<Report> read() throws IOException;

    /** Replaces it. */
    void write(Report ledger) throws IOException;
  }

  /** How a log's reads are made: a reader of its URL, retrying. */
  public interface Readers {
    /** A reader of {@code target}, telling {@code listener} of each read. */
    LogReader open(LogTarget target, Retrying.Listener listener) throws IOException;
  }

  private final MonitorConfig config;
  private final Clock clock;
  private final StateStore states;
  private final Reports reports;
  private final Ledger ledger;
  private final Alerts alerts;
  private final MonitorMetrics metrics;
  private final Tracer tracer;
  private final Readers readers;
  private final LogAudit.WitnessReader witnesses;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  private final Map<String, CompletableFuture<LogAudit.Outcome>> inFlight =
      new ConcurrentHashMap<>();
  private final Map<String, Breaker> breakers = new ConcurrentHashMap<>();
  private final Object applying = new Object();
  /** Held by the run under way: runs never overlap, so they apply in the order they looked. */
  private final java.util.concurrent.locks.ReentrantLock running =
      new java.util.concurrent.locks.ReentrantLock();
  private final Map<String, Thread> auditThreads = new ConcurrentHashMap<>();
  private volatile boolean closed;
  private volatile Map<String, Map<String, Long>> openCounts = Map.of();

  /** A log's circuit breaker: consecutive unreachable runs, and until when it is open. */
  private static final class Breaker {
    int failures;
    Instant openUntil = Instant.MIN;
  }

  private Monitor(MonitorConfig config, Clock clock, StateStore states, Reports reports,
      Ledger ledger, Alerts alerts, MonitorMetrics metrics, Tracer tracer, Readers readers,
      LogAudit.WitnessReader witnesses) {
    this.config = config;
    this.clock = clock;
    this.states = states;
    this.reports = reports;
    this.ledger = ledger;
    this.alerts = alerts;
    this.metrics = metrics;
    this.tracer = tracer;
    this.readers = readers;
    this.witnesses = witnesses;
  }

  /**
   * A monitor of {@code config}'s logs. If the newest report was not fully applied (a crash
   * after writing it), pass it as {@code unfinished}: its alerts and ledger are completed now.
   */
  public static Monitor open(MonitorConfig config, Clock clock, Reports reports, Ledger ledger,
      Alerts alerts, MonitorMetrics metrics, Tracer tracer, Readers readers,
      LogAudit.WitnessReader witnesses, Optional<Report> unfinished) throws IOException {
    Monitor m = new Monitor(config, clock, StateStore.open(config.stateDir()), reports, ledger,
        alerts, metrics, tracer, readers, witnesses);
    metrics.config(config.hash());
    metrics.watchOpen(() -> m.openCounts);
    Optional<Report> open = ledger.read();
    if (unfinished.isPresent() && !open.map(Report::runId)
        .equals(unfinished.map(Report::runId))) {
      m.complete(unfinished.get());
    } else {
      open.ifPresent(m::count);
    }
    return m;
  }

  /**
   * The readers of logs: {@link HttpLogReader} with retries, on the JDK's client; a {@code
   * file:} URL is a local directory ({@link DirectoryLogReader}).
   */
  public static Readers httpReaders(Retrying.Policy retries) {
    return (target, listener) -> new Retrying(isDirectory(target)
        ? DirectoryLogReader.open(Path.of(target.url()))
        : HttpLogReader.builder(target.url()).build(), retries, listener);
  }

  /** Whether {@code target} is read from a local directory ({@code file:} URL). */
  private static boolean isDirectory(LogTarget target) {
    return "file".equals(target.url().getScheme());
  }

  /**
   * The readers of HTTP logs: {@link HttpLogReader} with retries, every log's requests on one
   * shared Jetty client ({@link JettyTransport}), which its owner stops.
   */
  public static Readers httpReaders(Retrying.Policy retries,
      org.eclipse.jetty.client.HttpClient client) {
    return (target, listener) -> new Retrying(isDirectory(target)
        ? DirectoryLogReader.open(Path.of(target.url()))
        : HttpLogReader.builder(target.url())
            .transport(JettyTransport.on(client, HttpLogReader.DEFAULT_TIMEOUT)).build(),
        retries, listener);
  }

  /** A new run ID: the UTC time and 6 random hex digits, e.g. {@code 20261205T170000Z-a1b2c3}. */
  public String newRunId() {
    byte[] r = new byte[3];
    ThreadLocalRandom.current().nextBytes(r);
    return RUN_TIME.format(clock.instant()) + "-" + HexFormat.of().formatHex(r);
  }

  /** The configuration. */
  public MonitorConfig config() {
    return config;
  }

  /** The findings open now, most severe first. */
  public List<Finding> openFindings() throws IOException {
    return ledger.read().map(Report::findings).orElse(List.of());
  }

  /**
   * Audits every log as run {@code runId} and returns its report; if that run's report exists,
   * completes what a crash may have left undone and returns it unchanged.
   *
   * @param extra findings about the monitor itself to report in this run (missed runs)
   */
  public Report run(String runId, List<Finding> extra) throws IOException {
    try {
      running.lockInterruptibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted waiting for the run under way");
    }
    try {
      if (closed) {
        throw new java.io.InterruptedIOException("the monitor is stopping: run " + runId
            + " did not start");
      }
      return runAlone(runId, extra);
    } finally {
      running.unlock();
    }
  }

  private Report runAlone(String runId, List<Finding> extra) throws IOException {
    Optional<Report> done = reports.read(runId);
    if (done.isPresent()) {
      complete(done.get());
      return done.get();
    }
    Span span = tracer.spanBuilder("monitor.run").setAttribute(RUN_ID, runId).startSpan();
    MDC.put("run_id", runId);
    long start = System.nanoTime();
    try (Scope scope = span.makeCurrent()) {
      Instant started = clock.instant();
      LOG.info("run {} started: {} logs", runId, config.logs().size());
      Map<String, CompletableFuture<LogAudit.Outcome>> audits = new LinkedHashMap<>();
      for (LogTarget t : config.logs()) {
        audits.put(t.name(), audit(t, runId, started, Context.current()));
      }
      List<LogResult> results = new ArrayList<>();
      List<Finding> found = new ArrayList<>(extra);
      Map<String, LogState> accepted = new LinkedHashMap<>();
      Map<String, Set<Rule>> evaluated = new HashMap<>();
      long deadline = System.nanoTime() + AUDIT_DEADLINE.toNanos();
      for (LogTarget t : config.logs()) {
        LogAudit.Outcome o = join(t, audits.get(t.name()), deadline, started);
        results.add(o.result());
        found.addAll(o.findings());
        evaluated.put(t.name(), o.evaluated());
        o.accepted().ifPresent(s -> accepted.put(t.name(), s));
      }
      if (closed) {
        // Audits interrupted by the stop would read as unreachable logs: record nothing.
        throw new java.io.InterruptedIOException("the monitor is stopping: run " + runId
            + " is not recorded");
      }
      Report report;
      synchronized (applying) {
        report = report(runId, started, results, found, evaluated);
        reports.write(report);
        apply(report);
      }
      for (Map.Entry<String, LogState> s : accepted.entrySet()) {
        states.write(s.getKey(), s.getValue());
      }
      boolean ok = report.worst().map(w -> !w.atLeast(config.failOn())).orElse(true);
      metrics.run(ok, System.nanoTime() - start, report.finished().getEpochSecond());
      report.findings().forEach(f -> metrics.finding(f.rule().id(), f.severity().id()));
      LOG.info("run {} finished: {} findings{}, {} resolved", runId, report.findings().size(),
          report.worst().map(w -> " (worst " + w.id() + ")").orElse(""),
          report.resolved().size());
      if (!ok) {
        span.setStatus(StatusCode.ERROR, "findings at or above " + config.failOn().id());
      }
      return report;
    } catch (IOException | RuntimeException e) {
      span.recordException(e);
      span.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
      LOG.error("run {} failed", runId, e);
      throw e;
    } finally {
      span.end();
      MDC.remove("run_id");
    }
  }

  /** The audit of {@code t} for this run: the one under way for it, or a new one. */
  private CompletableFuture<LogAudit.Outcome> audit(LogTarget t, String runId, Instant now,
      Context parent) {
    CompletableFuture<LogAudit.Outcome> mine = new CompletableFuture<>();
    CompletableFuture<LogAudit.Outcome> running = inFlight.putIfAbsent(t.name(), mine);
    if (running != null) {
      LOG.info("run {}: log {} is being audited by another run; joining it", runId, t.name());
      return running;
    }
    threads.execute(() -> {
      auditThreads.put(t.name(), Thread.currentThread());
      MDC.put("run_id", runId);
      Span span = tracer.spanBuilder("monitor.log").setParent(parent)
          .setAllAttributes(Attributes.of(RUN_ID, runId, LOG_NAME, t.name())).startSpan();
      try (Scope scope = span.makeCurrent()) {
        LogAudit.Outcome o = auditNow(t, runId, now);
        if (!o.findings().isEmpty()) {
          span.setAttribute("cairn.findings", o.findings().size());
        }
        mine.complete(o);
      } catch (Throwable e) {
        span.recordException(e);
        mine.completeExceptionally(e);
      } finally {
        span.end();
        auditThreads.remove(t.name(), Thread.currentThread());
        inFlight.remove(t.name(), mine);
        MDC.remove("run_id");
      }
    });
    return mine;
  }

  private LogAudit.Outcome auditNow(LogTarget t, String runId, Instant now) throws IOException {
    Optional<LogState> previous = states.read(t.name());
    Breaker b = breakers.computeIfAbsent(t.name(), n -> new Breaker());
    synchronized (b) {
      if (now.isBefore(b.openUntil)) {
        Finding f = Finding.of(Rule.COLLECTOR_UNREACHABLE, t.name(), "log",
            "The log " + t.name() + " was not read: it failed " + b.failures
                + " runs in a row, so its circuit breaker is open until " + b.openUntil + ".",
            "circuit breaker open until " + b.openUntil, "an answer from " + t.url(),
            List.of(Evidence.text("circuit breaker", "open after " + b.failures
                + " unreachable runs; the next read is tried at " + b.openUntil)), now);
        return new LogAudit.Outcome(new LogResult(t.name(), t.url().toString(), "unreachable",
            Optional.empty(), Optional.empty(), previous.map(LogState::size), 0, false),
            List.of(f), Optional.empty());
      }
    }
    LogAudit.Outcome o;
    try (LogReader reader = readers.open(t, (kind, nanos, ok) ->
        metrics.read(t.name(), kind, nanos, ok))) {
      o = LogAudit.run(t, reader, (prefix, origin) -> Retrying.call(WITNESS_RETRIES, "witness",
          (kind, nanos, ok) -> metrics.read(t.name(), kind, nanos, ok),
          () -> witnesses.latest(prefix, origin)), previous, now, runId);
    }
    metrics.replayed(t.name(), o.result().entriesReplayed());
    synchronized (b) {
      if (o.result().status().equals("unreachable")) {
        b.failures++;
        if (b.failures >= BREAKER_FAILURES) {
          b.openUntil = now.plus(BREAKER_COOLDOWN);
          metrics.breaker("log", t.name(), "open");
          LOG.warn("log {} unreachable {} runs in a row: not read again before {}", t.name(),
              b.failures, b.openUntil);
        }
      } else {
        b.failures = 0;
        b.openUntil = Instant.MIN;
        metrics.breaker("log", t.name(), "closed");
      }
    }
    return o;
  }

  /**
   * The report of a run: findings open before keep their first-seen time; findings open before
   * and not found again are resolved if their log was checked this run, none of its reads
   * having failed (or if it is no longer configured).
   */
  private Report report(String runId, Instant started, List<LogResult> results,
      List<Finding> found, Map<String, Set<Rule>> evaluated) throws IOException {
    Map<String, Finding> open = new HashMap<>();
    ledger.read().ifPresent(l -> l.findings().forEach(f -> open.put(f.fingerprint(), f)));
    Map<String, Finding> unique = new LinkedHashMap<>();
    for (Finding f : found) {
      Finding before = open.get(f.fingerprint());
      unique.putIfAbsent(f.fingerprint(), before == null ? f : f.firstSeenAt(before.firstSeen()));
    }
    // An open finding resolves only if this run looked for it and did not find it: its log's
    // audit concluded its rule (a log that stopped at a bad signature, or could not be read
    // partway, has not shown that its fork is gone), or its log is no longer configured.
    Set<String> configured = config.logs().stream().map(LogTarget::name)
        .collect(Collectors.toSet());
    List<String> resolved = new ArrayList<>();
    for (Finding f : open.values()) {
      boolean lookedFor = evaluated.getOrDefault(f.log(), Set.of()).contains(f.rule());
      if (!unique.containsKey(f.fingerprint()) && (lookedFor || !configured.contains(f.log()))) {
        resolved.add(f.fingerprint());
      }
    }
    return new Report(runId, started, clock.instant(), config.hash(), results,
        List.copyOf(unique.values()), resolved);
  }

  /**
   * Completes what a crash may have left undone of {@code report}, a report already written:
   * {@link #apply}s it unless the ledger reflects a run that finished after it. Reports are
   * written and applied in one step, in the order they finish, so only the last one written can
   * be unapplied; applying an older one again would open what later runs resolved, and tell it
   * again.
   */
  private void complete(Report report) throws IOException {
    synchronized (applying) {
      Optional<Report> before = ledger.read();
      if (before.isPresent() && before.get().finished().isAfter(report.finished())) {
        count(before.get());
        return;
      }
      apply(report);
    }
  }

  /**
   * Brings the alerts and the ledger up to {@code report}: alerts for findings it opened and
   * resolved (queued idempotently), then the ledger. Does nothing if the ledger already
   * reflects it.
   */
  private void apply(Report report) throws IOException {
    synchronized (applying) {
      Optional<Report> before = ledger.read();
      if (before.map(Report::runId).filter(report.runId()::equals).isPresent()) {
        return;
      }
      Map<String, Finding> open = new LinkedHashMap<>();
      before.ifPresent(l -> l.findings().forEach(f -> open.put(f.fingerprint(), f)));
      List<Alert> out = new ArrayList<>();
      for (Finding f : report.findings()) {
        if (isEvent(f.rule())) {
          out.add(new Alert("opened", f, report.runId()));
        } else if (!open.containsKey(f.fingerprint())) {
          out.add(new Alert("opened", f, report.runId()));
        }
      }
      for (String fp : report.resolved()) {
        Finding f = open.get(fp);
        if (f != null) {
          out.add(new Alert("resolved", f, report.runId()));
        }
      }
      alerts.enqueue(out);
      Map<String, Finding> next = new LinkedHashMap<>(open);
      report.resolved().forEach(next::remove);
      for (Finding f : report.findings()) {
        if (!isEvent(f.rule())) {
          next.put(f.fingerprint(), f);
        }
      }
      Report l = new Report(report.runId(), report.started(), report.finished(),
          report.configHash(), List.of(), List.copyOf(next.values()), List.of());
      ledger.write(l);
      count(l);
    }
  }

  private void count(Report l) {
    Map<String, Map<String, Long>> counts = new HashMap<>();
    for (Finding f : l.findings()) {
      counts.computeIfAbsent(f.rule().id(), r -> new HashMap<>())
          .merge(f.severity().id(), 1L, Long::sum);
    }
    openCounts = counts;
  }

  /** Rules whose findings are events: told once, never open. */
  static boolean isEvent(Rule rule) {
    return rule == Rule.ENTRY_WATCH_MATCH || rule == Rule.MONITOR_MISSED_RUN;
  }

  /**
   * The outcome of {@code t}'s audit, waiting until {@code deadline} ({@link System#nanoTime()}):
   * an audit that failed, or did not finish in time (it is interrupted), is {@code t}
   * unreachable this run — one log's trouble never costs the others their report.
   */
  private LogAudit.Outcome join(LogTarget t, CompletableFuture<LogAudit.Outcome> f,
      long deadline, Instant now) throws IOException {
    String why;
    try {
      return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while auditing");
    } catch (TimeoutException e) {
      Thread thread = auditThreads.get(t.name());
      if (thread != null) {
        thread.interrupt();
      }
      why = "its audit did not finish within " + AUDIT_DEADLINE.toMinutes() + " min";
      LOG.error("log {}: {}; it is reported unreachable this run", t.name(), why);
    } catch (ExecutionException e) {
      if (closed) {
        throw new java.io.InterruptedIOException("the monitor is stopping");
      }
      Throwable cause = e.getCause();
      why = "its audit failed: " + cause;
      LOG.error("log {}: the audit failed; it is reported unreachable this run", t.name(),
          cause);
    }
    Finding finding = Finding.of(Rule.COLLECTOR_UNREACHABLE, t.name(), "log",
        "The log " + t.name() + " was not checked: " + why + ".", why,
        "an audit of " + t.url() + " that ends", List.of(Evidence.text("audit", why)), now);
    return new LogAudit.Outcome(new LogResult(t.name(), t.url().toString(), "unreachable",
        Optional.empty(), Optional.empty(), Optional.empty(), 0, false), List.of(finding),
        Optional.empty());
  }

  /** A witness reader over HTTP: {@code <prefix><hex SHA-256(origin)>/checkpoint}. */
  public static LogAudit.WitnessReader httpWitnesses(java.net.http.HttpClient client,
      Duration timeout) {
    return (prefix, origin) -> {
      URI uri = prefix.resolve(dev.cairn.witnessing.MonitoringPath.of(origin));
      java.net.http.HttpResponse<byte[]> resp;
      try {
        resp = client.send(java.net.http.HttpRequest.newBuilder(uri).timeout(timeout).GET()
            .build(), info -> info.statusCode() == 200
                ? dev.cairn.read.CappedBody.refusing(uri, dev.cairn.note.SignedNote.MAX_SIZE,
                    info.headers().firstValueAsLong("Content-Length").orElse(-1), timeout,
                    "the " + dev.cairn.note.SignedNote.MAX_SIZE + " bytes of a signed note")
                : dev.cairn.read.CappedBody.cutting(200, timeout));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted reading " + uri);
      } catch (IOException e) {
        throw new IOException("GET " + uri + " failed: " + e.getMessage(), e);
      }
      if (resp.statusCode() == 404) {
        return Optional.empty();
      }
      if (resp.statusCode() != 200) {
        throw new IOException("GET " + uri + " answered " + resp.statusCode());
      }
      return Optional.of(resp.body());
    };
  }

  @Override
  public void close() {
    closed = true;
    threads.shutdownNow();
  }

  /**
   * Waits up to {@code timeout} for the run under way, if any, to end (after {@link #close} it
   * ends without recording anything).
   *
   * @return whether no run is under way
   */
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    if (running.tryLock(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      running.unlock();
      return true;
    }
    return false;
  }
}
