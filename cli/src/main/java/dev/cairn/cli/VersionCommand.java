package dev.cairn.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code cairn version}. */
@Command(name = "version", description = "Print the Cairn and Java versions.")
final class VersionCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().getOut().println("cairn " + Main.version() + " (Java "
        + Runtime.version() + ", " + System.getProperty("java.vendor") + ")");
    return 0;
  }
}
