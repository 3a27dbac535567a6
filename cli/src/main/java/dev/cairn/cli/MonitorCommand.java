package dev.cairn.cli;

import dev.cairn.log.auth.AuthSettings;
import dev.cairn.log.auth.Profile;
import dev.cairn.log.http.HttpConfig;
import dev.cairn.log.http.WriteGuard;
import dev.cairn.monitor.MonitorRuntime;
import dev.cairn.monitor.config.ConfigException;
import dev.cairn.monitor.config.MonitorConfig;
import dev.cairn.monitor.config.MonitorConfigFile;
import dev.cairn.monitor.http.MonitorServer;
import dev.cairn.monitor.report.Report;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn monitor}: audits tlog-tiles logs, once or on a schedule. */
@Command(name = "monitor", description = "Audit C2SP tlog-tiles logs (Cairn's or any other):"
    + " signatures, witness quorum, consistency, split views, replay of new entries, freshness"
    + " and watch rules; reports and alerts.",
    subcommands = {MonitorCommand.Run.class, MonitorCommand.Serve.class})
final class MonitorCommand implements Runnable {
  /** Exit code of {@code monitor run} when a finding is at or above {@code fail_on}. */
  static final int FINDINGS = 1;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The options both subcommands take. */
  static final class Common {
    @Option(names = "--config", required = true, paramLabel = "FILE",
        description = "monitor.yaml (see docs/monitor/monitor.example.yaml)")
    Path config;

    @Option(names = "--profile", paramLabel = "dev|prod", defaultValue = "${env:CAIRN_PROFILE:-dev}",
        description = "prod refuses to start without authentication or with secrets written"
            + " in the YAML (default: $CAIRN_PROFILE or dev)")
    String profile;

    @Option(names = "--log-format", paramLabel = "text|json", defaultValue = "text",
        description = "json: one JSON object a line on stderr, with the run_id of each run")
    String logFormat;

    Profile profile() {
      try {
        return Profile.of(profile);
      } catch (IllegalArgumentException e) {
        throw new CliException(CliException.USAGE, e.getMessage());
      }
    }

    MonitorConfig load(PrintWriter err) {
      LogFormat.apply(logFormat);
      try {
        MonitorConfigFile.Loaded loaded = MonitorConfigFile.loadWithWarnings(config,
            System.getenv(), profile() == Profile.PROD);
        loaded.warnings().forEach(w -> err.println("cairn: warning: " + w));
        err.flush();
        return loaded.config();
      } catch (ConfigException e) {
        throw new CliException(CliException.USAGE, e.getMessage());
      }
    }

    static MonitorRuntime open(MonitorConfig config) {
      try {
        return MonitorRuntime.open(config, Clock.systemUTC());
      } catch (IOException e) {
        throw new CliException(CliException.IO, "couldn't open the monitor's state in "
            + config.stateDir() + ": " + e.getMessage());
      } catch (IllegalArgumentException e) {
        throw new CliException(CliException.USAGE, e.getMessage());
      }
    }
  }

  /** {@code cairn monitor run}. */
  @Command(name = "run", description = {
      "Audit every configured log once: write the report, send the alerts, and exit 1 if a"
          + " finding is at or above fail_on (0 otherwise) — for cron and CI.",
      "Running again with the same --run-id changes nothing and alerts nobody twice."})
  static final class Run implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @CommandLine.Mixin Common common = new Common();

    @Option(names = "--run-id", paramLabel = "ID",
        description = "the run's ID (1 to 64 of A-Z a-z 0-9 . _ -; default: the time and a"
            + " random suffix)")
    String runId;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      MonitorConfig config = common.load(spec.commandLine().getErr());
      if (runId != null && !runId.matches("[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}")) {
        throw new CliException(CliException.USAGE, "--run-id must be 1 to 64 of A-Z a-z 0-9"
            + " . _ - (not starting with a dot), not \"" + runId + "\"");
      }
      try (MonitorRuntime runtime = Common.open(config)) {
        String id = runId != null ? runId : runtime.monitor().newRunId();
        Report report;
        try {
          report = runtime.run(id, List.of());
        } catch (IOException e) {
          throw new CliException(CliException.IO, "run " + id + " failed: " + e.getMessage());
        }
        boolean delivered = runtime.drainAlerts(MonitorRuntime.DRAIN);
        summary(out, config, report, delivered);
        return report.worst().filter(w -> w.atLeast(config.failOn())).isPresent()
            ? FINDINGS : 0;
      }
    }

    private static void summary(PrintWriter out, MonitorConfig config, Report r,
        boolean delivered) {
      out.println("cairn: run " + r.runId() + ": " + r.logs().size() + " logs, "
          + r.findings().size() + " findings" + r.worst().map(w -> " (worst: " + w.id() + ")")
          .orElse("") + ", " + r.resolved().size() + " resolved");
      for (var l : r.logs()) {
        out.println("  " + l.name() + ": " + l.status() + l.size().map(s -> ", size " + s)
            .orElse("") + (l.entriesReplayed() > 0 ? ", " + l.entriesReplayed()
            + " entries replayed" : ""));
      }
      for (var f : r.findings()) {
        out.println("  [" + f.severity().id() + "] " + f.rule().id() + " " + f.log() + ": "
            + f.summary());
      }
      out.println("cairn: report " + config.stateDir().resolve("reports")
          .resolve(r.runId() + ".json"));
      if (!delivered) {
        out.println("cairn: some alerts are not delivered yet; they are kept and sent on the"
            + " next run or by monitor serve");
      }
      out.flush();
    }
  }

  /** {@code cairn monitor serve}. */
  @Command(name = "serve", description = "Audit every configured log on the schedule of"
      + " monitor.yaml and serve the API: GET /reports, /reports/<id>[.html],"
      + " /findings?open=true, POST /runs, GET /config, /healthz, /readyz, /metrics.")
  static final class Serve implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @CommandLine.Mixin Common common = new Common();

    /** Released to stop a server started by {@link #call()} (tests). */
    final CountDownLatch stop = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
      MonitorConfig config = common.load(spec.commandLine().getErr());
      HttpConfig http = httpConfig(config.listen());
      MonitorRuntime runtime = Common.open(config);
      WriteGuard guard;
      try {
        Path audit = config.stateDir().resolve("audit.jsonl");
        guard = config.auth().jwks().isPresent()
            ? WriteGuard.jwt(AuthSettings.jwt(config.auth().jwks().get(),
                config.auth().issuer().orElseThrow(), config.auth().audience().orElseThrow()),
                audit, Clock.systemUTC())
            : WriteGuard.auditOnly(audit, Clock.systemUTC());
      } catch (IOException | RuntimeException e) {
        runtime.close();
        throw new CliException(CliException.IO, "couldn't open the audit log: "
            + e.getMessage());
      }
      MonitorServer server;
      try {
        server = MonitorServer.start(runtime, guard, runtime.monitorMetrics(), http);
      } catch (Exception e) {
        guard.close();
        runtime.close();
        throw new CliException(CliException.IO, "couldn't listen on " + config.listen() + ": "
            + e.getMessage());
      }
      runtime.schedule();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(server, guard, runtime)));
      PrintWriter out = spec.commandLine().getOut();
      out.println("cairn: monitor serving at http://" + http.host() + ":" + server.port()
          + " auditing " + config.logs().size() + " logs every " + config.schedule().interval()
          + (guard.authenticates() ? "" : " (authentication off: development only)"));
      out.flush();
      stop.await();
      shutdown(server, guard, runtime);
      return 0;
    }

    private static HttpConfig httpConfig(String listen) {
      int colon = listen.lastIndexOf(':');
      String host = listen.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      return HttpConfig.defaults(host, Integer.parseInt(listen.substring(colon + 1)));
    }

    private static synchronized void shutdown(MonitorServer server, WriteGuard guard,
        MonitorRuntime runtime) {
      try {
        server.close();
        guard.close();
        runtime.close();
      } catch (Exception e) {
        System.err.println("cairn: stopping the monitor: " + e);
      }
    }
  }
}
