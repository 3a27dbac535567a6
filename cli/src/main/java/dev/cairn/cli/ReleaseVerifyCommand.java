package dev.cairn.cli;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.note.KeyNames;
import dev.cairn.note.VerifierKey;
import dev.cairn.policy.Policy;
import dev.cairn.proof.TlogProof;
import dev.cairn.release.Artifact;
import dev.cairn.release.ReleaseException;
import dev.cairn.release.ReleaseManifest;
import dev.cairn.release.ReleaseVerifier;
import dev.cairn.release.VerifiedRelease;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn release verify}: a release's files against its bundle, offline. */
@Command(name = "verify", description = {
    "Verify release files offline: the bundle's manifest is signed by the release key (--key),"
        + " the bundle's inclusion proof proves it is in the log under the bundle's checkpoint,"
        + " the checkpoint satisfies the policy (--policy, the log's tlog-policy you trust;"
        + " else the manifest's policy lines), and each FILE is listed with its size and"
        + " SHA-256.",
    "Prints a line per file and a summary and exits 0, or names the failing step and exits 1."})
final class ReleaseVerifyCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--bundle", required = true, paramLabel = "B",
      description = "The release bundle, e.g. cairn-1.2.3.proof.")
  Path bundleFile;

  @Option(names = "--key", required = true, paramLabel = "K",
      description = "The release verifier key, or a file holding it (release.vkey).")
  String key;

  @Option(names = "--policy", paramLabel = "P", description = "The log's tlog-policy to"
      + " require of the checkpoint (log keys, witnesses, quorum) instead of the manifest's.")
  Path policyFile;

  @Parameters(arity = "1..*", paramLabel = "FILES", description = "The files to verify.")
  List<Path> files;

  @Override
  public Integer call() {
    VerifierKey releaseKey = ReleaseCommand.releaseKey(key);
    ReleaseVerifier verifier = ReleaseVerifier.trusting(releaseKey);
    if (policyFile != null) {
      verifier = verifier.withPolicy(VerifyCommand.policy(policyFile));
    }
    byte[] bundle = ReleaseCommand.read(bundleFile, TlogProof.MAX_SIZE, "--bundle");
    List<Artifact> artifacts = ReleaseCommand.artifacts(files);
    VerifiedRelease r;
    try {
      r = verifier.verify(bundle, artifacts);
    } catch (ReleaseException e) {
      spec.commandLine().getErr().println("cairn release verify: FAILED: " + e.getMessage());
      spec.commandLine().getErr().flush();
      return VerifyCommand.FAILED;
    }
    PrintWriter out = spec.commandLine().getOut();
    for (Artifact a : r.files()) {
      out.println("OK " + a.name() + " " + a.size() + " bytes sha256:" + a.sha256());
    }
    ReleaseManifest m = r.manifest();
    Checkpoint c = r.checkpoint().checkpoint();
    out.println("release " + m.version() + " (commit " + m.commit() + "), signed by "
        + releaseKey.name() + "+" + KeyNames.hex(releaseKey.keyId()));
    out.println("logged as entry " + r.index() + " of " + c.origin() + ", checkpoint size "
        + c.size() + "; " + witnesses(r) + " (policy "
        + (r.policyFromManifest() ? "from the manifest" : "from " + policyFile) + ")");
    out.println("OK");
    out.flush();
    return 0;
  }

  /** Who cosigned the checkpoint, in policy order, and the quorum it met. */
  static String witnesses(VerifiedRelease r) {
    Policy p = r.policy();
    String cosigned = String.join(", ", p.witnesses().keySet().stream()
        .filter(r.checkpoint().witnesses()::contains).toList());
    if (p.quorum().equals(Policy.NONE)) {
      return "witnesses: none required" + (cosigned.isEmpty() ? "" : ", cosigned by "
          + cosigned);
    }
    return "witnesses: cosigned by " + cosigned + ", quorum \"" + p.quorum() + "\" met";
  }
}
