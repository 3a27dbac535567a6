package dev.cairn.cli;

import dev.cairn.note.KeyNames;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignerKey;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn keygen}: new Ed25519 and ML-DSA-44 checkpoint keys for a log. */
@Command(
    name = "keygen",
    description = {
      "Generate a log's checkpoint signing keys: an Ed25519 key (log.skey) and an ML-DSA-44 key"
          + " (log-mldsa44.skey), both named for the origin, and write their verifier keys to"
          + " log.vkey. Existing files are never overwritten."
    })
final class KeygenCommand implements Callable<Integer> {
  static final String ED25519_FILE = "log.skey";
  static final String MLDSA_FILE = "log-mldsa44.skey";
  static final String VKEY_FILE = "log.vkey";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--origin", required = true,
      description = "The log's origin, e.g. example.com/mylog (also the key name).")
  String origin;

  @Option(names = "--out", required = true, description = "Directory to write the keys to.")
  Path out;

  @Override
  public Integer call() {
    if (!KeyNames.isValid(origin)) {
      throw new CliException(CliException.USAGE, "invalid --origin \"" + origin
          + "\": use a schema-less URL such as example.com/log, without spaces or '+'");
    }
    for (String f : new String[] {ED25519_FILE, MLDSA_FILE, VKEY_FILE}) {
      if (Files.exists(out.resolve(f))) {
        throw new CliException(CliException.USAGE, "refusing to overwrite " + out.resolve(f));
      }
    }
    try {
      Files.createDirectories(out);
    } catch (IOException e) {
      throw new CliException(CliException.IO, "couldn't create " + out + ": " + e);
    }
    SecureRandom random = new SecureRandom();
    SignerKey ed = SignerKey.generate(origin, SignatureType.ED25519, random);
    SignerKey ml = SignerKey.generate(origin, SignatureType.MLDSA44_SUBTREE_V1, random);
    String vkeys = ed.verifierKey().encode() + "\n" + ml.verifierKey().encode() + "\n";
    KeyFiles.writeNew(out.resolve(ED25519_FILE), ed.encode() + "\n", true);
    KeyFiles.writeNew(out.resolve(MLDSA_FILE), ml.encode() + "\n", true);
    KeyFiles.writeNew(out.resolve(VKEY_FILE), vkeys, false);
    PrintWriter w = spec.commandLine().getOut();
    w.print(vkeys);
    w.flush();
    spec.commandLine().getErr().println("wrote " + out.resolve(ED25519_FILE) + ", "
        + out.resolve(MLDSA_FILE) + " and " + out.resolve(VKEY_FILE));
    return 0;
  }
}
