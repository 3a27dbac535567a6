package dev.cairn.cli;

import dev.cairn.note.SignerKey;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code cairn vkey}: the verifier keys of a signer key file. */
@Command(name = "vkey", description = "Print the verifier key of each signer key in a file.")
final class VkeyCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SKEY-FILE", description = "A signer key file.")
  Path file;

  @Override
  public Integer call() {
    for (SignerKey k : KeyFiles.read(file)) {
      spec.commandLine().getOut().println(k.verifierKey().encode());
    }
    spec.commandLine().getOut().flush();
    return 0;
  }
}
