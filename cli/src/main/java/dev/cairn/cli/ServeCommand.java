package dev.cairn.cli;

import dev.cairn.http.LogServer;
import dev.cairn.log.TransparencyLog;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn serve}: runs a log on the embedded storage of a data directory. */
@Command(name = "serve", description = {
    "Run a transparency log on the embedded storage of a data directory (created on first start"
        + " with new keys), serving the C2SP tlog-tiles API, writes, proofs and history.",
    "Settings come from defaults < --config FILE < CAIRN_* environment variables < flags."})
final class ServeCommand implements Callable<Integer> {
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
    ServeSettings s = ServeSettings.resolve(Optional.ofNullable(config), System.getenv(), flags);
    var logConfig = s.logConfig();
    var httpConfig = s.httpConfig();
    // Loading the HTTP stack overlaps with opening (and recovering) the log.
    CompletableFuture<LogServer> prepared = CompletableFuture.supplyAsync(
        () -> LogServer.prepare(httpConfig));
    TransparencyLog log;
    try {
      log = TransparencyLog.open(logConfig);
    } catch (IOException e) {
      throw new CliException(CliException.IO, "couldn't open the log: " + e.getMessage());
    }
    LogServer server;
    try {
      server = prepared.join().serve(log, httpConfig);
    } catch (Exception e) {
      log.close();
      throw new CliException(CliException.IO, "couldn't listen on " + httpConfig.host() + ":"
          + httpConfig.port() + ": " + e.getMessage());
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(server, log)));
    banner(log, httpConfig.host(), server.port());
    stop.await();
    shutdown(server, log);
    return 0;
  }

  private static void put(Map<String, String> flags, String key, String value) {
    if (value != null) {
      flags.put(key, value);
    }
  }

  private void banner(TransparencyLog log, String host, int port) {
    PrintWriter out = spec.commandLine().getOut();
    String base = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
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

  private static synchronized void shutdown(LogServer server, TransparencyLog log) {
    try {
      server.close();
    } catch (Exception e) {
      System.err.println("cairn: stopping the server: " + e);
    }
    try {
      log.close();
    } catch (IOException | RuntimeException e) {
      System.err.println("cairn: closing the log: " + e);
    }
  }
}
