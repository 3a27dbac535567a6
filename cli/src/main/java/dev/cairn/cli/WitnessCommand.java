package dev.cairn.cli;

import dev.cairn.log.http.HttpConfig;
import dev.cairn.log.keys.HsmSettings;
import dev.cairn.log.keys.Pkcs11Token;
import dev.cairn.log.storage.embedded.DataDirLock;
import dev.cairn.note.HeldEd25519Key;
import dev.cairn.note.VerifierKey;
import dev.cairn.witness.KnownLogs;
import dev.cairn.witness.LogsFile;
import dev.cairn.witness.Witness;
import dev.cairn.witness.WitnessKeys;
import dev.cairn.witness.WitnessMetrics;
import dev.cairn.witness.WitnessServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code cairn witness}: the witness role. */
@Command(name = "witness", description = "Run a C2SP tlog-witness: cosign checkpoints of the"
    + " logs it follows once they are proved consistent with the last ones it cosigned.",
    subcommands = {WitnessCommand.Serve.class})
final class WitnessCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code cairn witness serve}. */
  @Command(name = "serve", modelTransformer = Serve.Options.class, description = {
      "Serve POST /add-checkpoint (C2SP tlog-witness), answering with an Ed25519"
          + " cosignature/v1 and an ML-DSA-44 subtree/v1 cosignature; the keys are created in"
          + " the data directory on first start, or the Ed25519 key is on a PKCS#11 token"
          + " (--pkcs11-library, --pkcs11-token, --pkcs11-pin-file, --pkcs11-key).",
      "Settings come from defaults < --config FILE < CAIRN_* environment variables < flags."})
  static final class Serve implements Callable<Integer> {
    private static final org.slf4j.Logger LOG =
        org.slf4j.LoggerFactory.getLogger(WitnessCommand.class);
    /** How often the logs file is checked for changes. */
    static final Duration LOGS_POLL = Duration.ofSeconds(1);

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    /** Released to stop a server started by {@link #call()} (tests). */
    final CountDownLatch stop = new CountDownLatch(1);

    /** Adds an option for each of {@link WitnessSettings#ALL}. */
    static final class Options implements CommandLine.IModelTransformer {
      @Override
      public CommandLine.Model.CommandSpec transform(CommandLine.Model.CommandSpec spec) {
        return WitnessSettings.ALL.addOptionsTo(spec);
      }
    }

    @Override
    public Integer call() throws Exception {
      WitnessSettings s = new WitnessSettings(WitnessSettings.ALL.resolve(spec,
          System.getenv()));
      s.logFormat().apply();
      HttpConfig http = s.httpConfig();
      Optional<HsmSettings> hsm = s.hsm();
      List<String> problems = new ArrayList<>(s.profile().witnessProblems(http.host(),
          http.tls().isPresent(), hsm.isPresent(), s.allowFileKeys()));
      Map<String, Path> secrets = new HashMap<>();
      hsm.ifPresent(h -> secrets.put(WitnessSettings.PKCS11_PIN_FILE.key(), h.pinFile()));
      http.tls().ifPresent(t -> secrets.put(WitnessSettings.TLS_KEY.key(), t.key()));
      problems.addAll(s.profile().secretFileProblems(secrets));
      if (!problems.isEmpty()) {
        throw new CliException(CliException.USAGE, "the prod profile refuses to start:\n  - "
            + String.join("\n  - ", problems));
      }
      Supplier<KnownLogs> logs = KnownLogs::none;
      Optional<LogsFile> logsFile = Optional.empty();
      if (s.logs().isPresent()) {
        try {
          logsFile = Optional.of(LogsFile.open(s.logs().get()));
        } catch (IOException e) {
          throw new CliException(CliException.IO, "couldn't read the logs file: " + e);
        } catch (IllegalArgumentException e) {
          throw new CliException(CliException.USAGE, "the logs file is not valid: "
              + e.getMessage());
        }
        logs = logsFile.get();
      }
      Optional<HeldEd25519Key> held = Optional.empty();
      if (hsm.isPresent()) {
        // The label is the witness's pkcs11_key (HsmSettings calls it the new log's key).
        String label = hsm.get().newLogKey().orElseThrow();
        try {
          held = Optional.of(Pkcs11Token.open(hsm.get()).ed25519(label));
        } catch (IOException e) {
          throw new CliException(CliException.IO, "couldn't use the PKCS#11 cosigner key \""
              + label + "\": " + e.getMessage());
        }
      }
      Path data = s.data();
      DataDirLock lock;
      WitnessKeys keys;
      try {
        Files.createDirectories(data);
        lock = DataDirLock.acquire(data);
      } catch (IOException e) {
        throw new CliException(CliException.IO, "couldn't use the data directory: "
            + e.getMessage());
      }
      Witness witness;
      WitnessMetrics metrics = new WitnessMetrics();
      try {
        keys = WitnessKeys.openOrCreate(data, s.name(), held, new SecureRandom());
        witness = Witness.open(lock, data, keys, logs, Clock.systemUTC(), s.rateLimitPerLog(),
            metrics);
      } catch (IllegalArgumentException e) {
        lock.close();
        throw new CliException(CliException.USAGE, e.getMessage());
      } catch (IOException e) {
        lock.close();
        throw new CliException(CliException.IO, "couldn't open the witness: " + e.getMessage());
      }
      WitnessServer server;
      try {
        server = WitnessServer.start(witness, metrics, http, s.rateLimitPerAddress());
      } catch (Exception e) {
        witness.close();
        throw new CliException(CliException.IO, "couldn't listen on " + http.host() + ":"
            + http.port() + ": " + e.getMessage());
      }
      logsFile.ifPresent(f -> f.start(LOGS_POLL));
      Optional<LogsFile> watched = logsFile;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(server, witness,
          watched)));
      LOG.info("cairn {} (commit {}) witnessing with configuration {}", Main.version(),
          Main.commit(), s.configHash());
      banner(keys, s, http, server.port(), logs.get());
      stop.await();
      shutdown(server, witness, logsFile);
      return 0;
    }

    private void banner(WitnessKeys keys, WitnessSettings s, HttpConfig http, int port,
        KnownLogs logs) {
      PrintWriter out = spec.commandLine().getOut();
      String host = http.host().contains(":") ? "[" + http.host() + "]" : http.host();
      out.println("cairn: witness " + keys.name() + " serving at " + http.scheme() + "://"
          + host + ":" + port + " from " + s.data()
          + (keys.created() ? " (new: keys created)" : ""));
      keys.heldBy().ifPresent(h -> out.println("cairn: the Ed25519 cosigner key is " + h));
      out.println("cairn: verifier keys (also in " + s.data().resolve(WitnessKeys.VKEY_FILE)
          + "):");
      for (VerifierKey k : keys.verifierKeys()) {
        out.println("  " + k.encode());
      }
      if (s.logs().isPresent()) {
        out.println("cairn: cosigning " + logs.keys().size() + " logs from " + s.logs().get()
            + " (read again when it changes)");
      } else {
        out.println("cairn: no --logs file: every origin is unknown (404) until one is given");
        LOG.warn("no logs file (--logs): the witness cosigns nothing");
      }
      out.flush();
    }

    private static synchronized void shutdown(WitnessServer server, Witness witness,
        Optional<LogsFile> logs) {
      logs.ifPresent(LogsFile::close);
      try {
        server.close();
      } catch (Exception e) {
        System.err.println("cairn: stopping the witness server: " + e);
      }
      try {
        witness.close();
      } catch (IOException e) {
        System.err.println("cairn: closing the witness: " + e);
      }
    }
  }
}
