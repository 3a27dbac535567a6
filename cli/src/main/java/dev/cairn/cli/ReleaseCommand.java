package dev.cairn.cli;

import dev.cairn.log.storage.embedded.AtomicFiles;
import dev.cairn.note.KeyNames;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifierKey;
import dev.cairn.release.Artifact;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cairn release}: releases anyone can verify offline. A release key signs a manifest of
 * the artifacts ({@code sign}), the manifest is logged ({@code log}), and the bundle of manifest,
 * inclusion proof and checkpoint verifies the artifacts without the network ({@code verify}).
 */
@Command(name = "release", description = "Sign a release's manifest, log it, and verify a"
    + " release offline from its bundle.",
    subcommands = {ReleaseCommand.Keygen.class, ReleaseSignCommand.class,
        ReleaseLogCommand.class, ReleaseVerifyCommand.class})
final class ReleaseCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code cairn release keygen}. */
  @Command(name = "keygen", description = "Generate an Ed25519 release key: DIR/release.skey"
      + " (readable by its owner only) and DIR/release.vkey, which is printed. Existing files"
      + " are never overwritten.")
  static final class Keygen implements Callable<Integer> {
    static final String SKEY_FILE = "release.skey";
    static final String VKEY_FILE = "release.vkey";

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--name", required = true,
        description = "The key name, e.g. example.com/cairn-release.")
    String name;

    @Option(names = "--out", required = true, paramLabel = "DIR",
        description = "Directory to write the keys to.")
    Path out;

    @Override
    public Integer call() {
      if (!KeyNames.isValid(name)) {
        throw new CliException(CliException.USAGE, "invalid --name \"" + name
            + "\": use a schema-less URL such as example.com/cairn-release, without spaces or"
            + " '+'");
      }
      for (String f : List.of(SKEY_FILE, VKEY_FILE)) {
        if (Files.exists(out.resolve(f))) {
          throw new CliException(CliException.USAGE, "refusing to overwrite " + out.resolve(f));
        }
      }
      try {
        Files.createDirectories(out);
      } catch (IOException e) {
        throw new CliException(CliException.IO, "couldn't create " + out + ": " + e);
      }
      SignerKey key = SignerKey.generate(name, SignatureType.ED25519, new SecureRandom());
      String vkey = key.verifierKey().encode() + "\n";
      KeyFiles.writeNew(out.resolve(SKEY_FILE), key.encode() + "\n", true);
      KeyFiles.writeNew(out.resolve(VKEY_FILE), vkey, false);
      spec.commandLine().getOut().print(vkey);
      spec.commandLine().getOut().flush();
      spec.commandLine().getErr().println("wrote " + out.resolve(SKEY_FILE) + " and "
          + out.resolve(VKEY_FILE));
      return 0;
    }
  }

  /**
   * The release verifier key {@code key} gives: the key itself, or a file holding it (one key
   * line; blank lines and {@code #} comments are ignored).
   */
  static VerifierKey releaseKey(String key) {
    List<VerifierKey> keys = VerifyCommand.verifierKeys("--key", key);
    if (keys.size() != 1) {
      throw new CliException(CliException.USAGE, "--key " + key + " holds " + keys.size()
          + " verifier keys; give the one release key");
    }
    if (keys.getFirst().type() != SignatureType.ED25519) {
      throw new CliException(CliException.USAGE, "--key " + keys.getFirst().encode()
          + " is not an Ed25519 key: a release key is one");
    }
    return keys.getFirst();
  }

  /** The artifacts of {@code files}, each hashed as it is read. */
  static List<Artifact> artifacts(List<Path> files) {
    List<Artifact> out = new ArrayList<>();
    for (Path f : files) {
      try {
        out.add(Artifact.of(f));
      } catch (NoSuchFileException e) {
        throw new CliException(CliException.IO, "no such file: " + f);
      } catch (IOException e) {
        throw new CliException(CliException.IO, "couldn't read " + f + ": " + e);
      } catch (IllegalArgumentException e) {
        throw new CliException(CliException.USAGE, f + ": " + e.getMessage());
      }
    }
    return out;
  }

  /** The bytes of {@code file}, at most {@code max}; {@code what} names it in messages. */
  static byte[] read(Path file, int max, String what) {
    try {
      if (Files.size(file) > max) {
        throw new CliException(CliException.USAGE, what + " " + file + " is larger than "
            + max + " bytes");
      }
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new CliException(CliException.IO, what + ": no such file: " + file);
    } catch (IOException e) {
      throw new CliException(CliException.IO, "couldn't read " + what + " " + file + ": " + e);
    }
  }

  /** Refuses early if {@code file} exists, before any work that {@link #write} would waste. */
  static void checkNew(Path file) {
    if (Files.exists(file)) {
      throw new CliException(CliException.USAGE, "refusing to overwrite " + file);
    }
  }

  /** Writes {@code data} to the new file {@code file}, synced. */
  static void write(Path file, byte[] data) {
    try {
      AtomicFiles.createNew(file, data, false);
    } catch (FileAlreadyExistsException e) {
      throw new CliException(CliException.USAGE, "refusing to overwrite " + file);
    } catch (IOException e) {
      throw new CliException(CliException.IO, "couldn't write " + file + ": " + e);
    }
  }
}
