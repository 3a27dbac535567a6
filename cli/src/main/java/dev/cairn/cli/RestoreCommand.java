package dev.cairn.cli;

import dev.cairn.cluster.ClusterStorage;
import dev.cairn.log.backup.Restore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn restore}: a data directory, or a cluster's storage, from a backup. */
@Command(name = "restore", description = {
    "Check a backup against its manifest and restore it into a data directory that"
        + " `cairn serve` resumes from. Refuses a directory that is not empty unless --force"
        + " is given, and one a running log holds.",
    "Or restore it into a cluster's PostgreSQL database and bucket (--postgres and --objects),"
        + " with every node stopped: refused unless both are empty, or --force is given."})
final class RestoreCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--from", paramLabel = "BACKUP", required = true,
      description = "The backup directory.")
  Path from;

  @Option(names = "--data", paramLabel = "DIR",
      description = "The data directory to create.")
  Path data;

  @CommandLine.Mixin ClusterOptions cluster;

  @Option(names = "--force", description = "Replace what the data directory, or the cluster's"
      + " database and bucket, hold.")
  boolean force;

  @Override
  public Integer call() {
    PrintWriter stdout = spec.commandLine().getOut();
    long started = System.nanoTime();
    if (cluster.given() == (data != null)) {
      throw new CliException(CliException.USAGE, "give the target: either --data, or"
          + " --postgres and --objects");
    }
    Restore.Result r;
    try {
      if (data != null) {
        r = Restore.run(from, data, force, ProgressBar.forStderr(spec.commandLine().getErr()));
      } else {
        try (ClusterStorage storage = cluster.open("restore")) {
          r = storage.restore(from, force, ProgressBar.forStderr(spec.commandLine().getErr()));
        }
      }
    } catch (IOException e) {
      throw new CliException(CliException.IO, "restore failed: " + e.getMessage());
    }
    String target = data != null ? data.toString() : "the cluster's database and bucket";
    stdout.printf("restored %s at size %d, root %s, into %s (%d tiles and bundles); took"
        + " %.1f s%n", r.manifest().origin(), r.manifest().size(), r.manifest().root(), target,
        r.files(), (System.nanoTime() - started) / 1e9);
    if (data != null) {
      stdout.println("start it with: ./cairn serve --data " + data);
    } else {
      stdout.println("copy the backup's log.vkey and keys/ into each node's data directory,"
          + " then start the nodes with --postgres and --objects");
    }
    stdout.flush();
    return 0;
  }
}
