package dev.cairn.cli;

import dev.cairn.log.backup.Restore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn restore}: a data directory from a backup. */
@Command(name = "restore", description = {
    "Check a backup against its manifest and restore it into a data directory that"
        + " `cairn serve` resumes from. Refuses a directory that is not empty unless --force"
        + " is given, and one a running log holds."})
final class RestoreCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--from", paramLabel = "BACKUP", required = true,
      description = "The backup directory.")
  Path from;

  @Option(names = "--data", paramLabel = "DIR", required = true,
      description = "The data directory to create.")
  Path data;

  @Option(names = "--force", description = "Replace what the data directory holds.")
  boolean force;

  @Override
  public Integer call() {
    PrintWriter stdout = spec.commandLine().getOut();
    long started = System.nanoTime();
    Restore.Result r;
    try {
      r = Restore.run(from, data, force, ProgressBar.forStderr(spec.commandLine().getErr()));
    } catch (IOException e) {
      throw new CliException(CliException.IO, "restore failed: " + e.getMessage());
    }
    stdout.printf("restored %s at size %d, root %s, into %s (%d tiles and bundles); took"
        + " %.1f s%n", r.manifest().origin(), r.manifest().size(), r.manifest().root(), data,
        r.files(), (System.nanoTime() - started) / 1e9);
    stdout.println("start it with: ./cairn serve --data " + data);
    stdout.flush();
    return 0;
  }
}
