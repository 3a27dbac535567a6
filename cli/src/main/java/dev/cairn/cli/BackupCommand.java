package dev.cairn.cli;

import dev.cairn.cluster.ClusterStorage;
import dev.cairn.log.backup.Backup;
import dev.cairn.log.replay.StorageSource;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn backup}: a consistent, incremental copy of a log's data directory or cluster. */
@Command(name = "backup", description = {
    "Copy a log's data directory into a backup directory, also while the log is serving: the"
        + " latest checkpoint in its history with exactly the tiles, bundles and history it"
        + " covers, the keys, and a manifest of SHA-256 digests.",
    "Into a directory that holds an older backup of the same log it copies only what is new,"
        + " after checking that the log is consistent with that backup.",
    "With --postgres and --objects, back up a cluster's log from its database and bucket"
        + " instead, with the keys from a node's data directory (--data).",
    "The backup holds the log's signing keys: keep it as safe as the keys."})
final class BackupCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--data", paramLabel = "DIR", defaultValue = "cairn-data",
      description = "The log's data directory (default: ${DEFAULT-VALUE}); with --postgres and"
          + " --objects, a node's data directory, for the log's keys.")
  Path data;

  @CommandLine.Mixin ClusterOptions cluster;

  @Option(names = "--out", paramLabel = "BACKUP", required = true,
      description = "The backup directory (created if missing).")
  Path out;

  @Override
  public Integer call() {
    PrintWriter stdout = spec.commandLine().getOut();
    long started = System.nanoTime();
    Backup.Result r;
    try {
      r = cluster.given() ? backupCluster()
          : Backup.run(data, out, ProgressBar.forStderr(spec.commandLine().getErr()));
    } catch (IOException e) {
      throw new CliException(CliException.IO, "backup failed: " + e.getMessage());
    }
    stdout.printf("backup of %s at size %d, root %s%n", r.manifest().origin(),
        r.manifest().size(), r.manifest().root());
    stdout.printf("%s: %d files written (%,d bytes), %d kept from the backup at size %s,"
        + " %d in all; took %.1f s%n", out, r.filesWritten(), r.bytesWritten(), r.filesKept(),
        r.previousSize() < 0 ? "(none)" : Long.toString(r.previousSize()),
        r.manifest().files().size(), (System.nanoTime() - started) / 1e9);
    stdout.flush();
    return 0;
  }

  private Backup.Result backupCluster() throws IOException {
    try (ClusterStorage storage = cluster.open("backup");
        StorageSource source = storage.source(data)) {
      return Backup.run(source, data, out, ProgressBar.forStderr(spec.commandLine().getErr()));
    }
  }
}
