package dev.cairn.cli;

import dev.cairn.log.keys.HsmSettings;
import dev.cairn.log.keys.Pkcs11Token;
import dev.cairn.note.KeyNames;
import dev.cairn.note.NoteException;
import dev.cairn.note.NoteSigner;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifierKey;
import dev.cairn.note.VerifierSet;
import dev.cairn.note.VerifyingSigner;
import dev.cairn.release.Artifact;
import dev.cairn.release.ReleaseManifest;
import dev.cairn.tile.Bundles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cairn release sign}: hashes the artifacts and writes the signed release manifest, the
 * release key in a key file or on a PKCS#11 token. The signature is verified with the key
 * before the manifest is written.
 */
@Command(name = "sign", description = {
    "Hash FILES (each named by its file name) and write the release manifest listing them,"
        + " signed with the release key: a key file (--key-file) or an Ed25519 key on a PKCS#11"
        + " token (--pkcs11-library, --pkcs11-token, --pkcs11-pin-file, --pkcs11-key and"
        + " --key-name). The manifest is never overwritten."})
final class ReleaseSignCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--key-file", paramLabel = "FILE",
      description = "The release key file (release.skey from cairn release keygen).")
  Path keyFile;

  @Option(names = "--pkcs11-library", paramLabel = "FILE",
      description = "The PKCS#11 module of the token holding the release key.")
  Path pkcs11Library;

  @Option(names = "--pkcs11-token", paramLabel = "LABEL", description = "The token's label.")
  String pkcs11Token;

  @Option(names = "--pkcs11-pin-file", paramLabel = "FILE",
      description = "File holding the token's user PIN (its first line).")
  Path pkcs11PinFile;

  @Option(names = "--pkcs11-key", paramLabel = "LABEL",
      description = "The label of the Ed25519 release key on the token.")
  String pkcs11Key;

  @Option(names = "--key-name", paramLabel = "NAME", description = "With a PKCS#11 key: the"
      + " release key's name, e.g. example.com/cairn-release (a key file names its key).")
  String keyName;

  // This --version is the release's: it takes the place of the standard --version (and with
  // it of the standard options), so --help is declared again here.
  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message"
      + " and exit.")
  boolean help;

  @Option(names = "--version", required = true, paramLabel = "V",
      description = "The release's version, e.g. 1.2.3.")
  String version;

  @Option(names = "--commit", required = true, paramLabel = "C",
      description = "The commit it was built from, 40 lowercase hex digits.")
  String commit;

  @Option(names = "--sbom", required = true, paramLabel = "NAME",
      description = "The file name of the SBOM, one of FILES.")
  String sbom;

  @Option(names = "--log-policy", paramLabel = "FILE", description = "The tlog-policy of the"
      + " log the release is logged in (e.g. its GET /policy), copied into the manifest so that"
      + " verifiers without a policy of their own use it.")
  Path logPolicy;

  @Option(names = "--out", required = true, paramLabel = "M",
      description = "The signed manifest to write.")
  Path out;

  @Parameters(arity = "1..*", paramLabel = "FILES", description = "The release's artifacts.")
  List<Path> files;

  @Override
  public Integer call() {
    ReleaseCommand.checkNew(out);
    List<String> policyLines = logPolicy == null ? List.of()
        : VerifyCommand.policy(logPolicy).format().lines().toList();
    List<Artifact> artifacts = ReleaseCommand.artifacts(files);
    ReleaseManifest manifest;
    try {
      manifest = new ReleaseManifest(version, commit, artifacts, sbom, policyLines);
    } catch (IllegalArgumentException e) {
      throw new CliException(CliException.USAGE, "cannot make the manifest: " + e.getMessage());
    }
    VerifyingSigner signer = signer();
    byte[] signed;
    try {
      signed = SignedNote.sign(manifest.format(), List.of(signer)).encode();
    } catch (IllegalStateException e) {
      throw new CliException(CliException.IO, "couldn't sign: " + e.getMessage());
    }
    // The signer verified its signature; this checks the note as a verifier will read it.
    try {
      SignedNote note = SignedNote.parse(signed);
      note.open(VerifierSet.ofKeys(List.of(signer.key())));
      if (!ReleaseManifest.parse(note.text()).equals(manifest)) {
        throw new IllegalStateException("the signed manifest reads back differently");
      }
    } catch (NoteException | IllegalArgumentException e) {
      throw new IllegalStateException("the signed manifest does not verify: " + e, e);
    }
    if (signed.length > Bundles.MAX_ENTRY_SIZE) {
      throw new CliException(CliException.USAGE, "the signed manifest is " + signed.length
          + " bytes: a log takes entries of at most " + Bundles.MAX_ENTRY_SIZE);
    }
    ReleaseCommand.write(out, signed);
    spec.commandLine().getOut().println("wrote " + out + ": release " + version + ", "
        + artifacts.size() + " artifacts" + (policyLines.isEmpty() ? ", no log policy"
            : ", the log policy of " + logPolicy) + ", signed by " + signer.key().encode());
    spec.commandLine().getOut().flush();
    return 0;
  }

  /** The release key's signer, each signature verified with its verifier key. */
  private VerifyingSigner signer() {
    boolean pkcs11 = Stream.of(pkcs11Library, pkcs11Token, pkcs11PinFile, pkcs11Key, keyName)
        .anyMatch(o -> o != null);
    if ((keyFile == null) == !pkcs11) {
      throw new CliException(CliException.USAGE, "give the release key: either --key-file, or"
          + " --pkcs11-library, --pkcs11-token, --pkcs11-pin-file, --pkcs11-key and --key-name");
    }
    if (keyFile != null) {
      List<SignerKey> keys = KeyFiles.read(keyFile);
      if (keys.size() != 1 || keys.getFirst().type() != SignatureType.ED25519) {
        throw new CliException(CliException.USAGE, "--key-file " + keyFile + " must hold one"
            + " Ed25519 key (cairn release keygen makes one)");
      }
      SignerKey k = keys.getFirst();
      NoteSigner s = k.signer();
      return new VerifyingSigner(k.verifierKey(), s, "the key file " + keyFile);
    }
    if (Stream.of(pkcs11Library, pkcs11Token, pkcs11PinFile, pkcs11Key, keyName)
        .anyMatch(o -> o == null)) {
      throw new CliException(CliException.USAGE, "a PKCS#11 release key needs all of"
          + " --pkcs11-library, --pkcs11-token, --pkcs11-pin-file, --pkcs11-key and --key-name");
    }
    if (!KeyNames.isValid(keyName)) {
      throw new CliException(CliException.USAGE, "invalid --key-name \"" + keyName
          + "\": use a schema-less URL such as example.com/cairn-release");
    }
    VerifierKey key;
    NoteSigner s;
    try {
      Pkcs11Token token = Pkcs11Token.open(new HsmSettings(pkcs11Library, pkcs11Token,
          pkcs11PinFile, Optional.of(pkcs11Key)));
      key = token.verifierKey(keyName, pkcs11Key);
      s = token.signer(keyName, pkcs11Key, Optional.of(key));
    } catch (IOException e) {
      throw new CliException(CliException.IO, "couldn't use the PKCS#11 release key \""
          + pkcs11Key + "\": " + e.getMessage());
    }
    if (key.type() != SignatureType.ED25519) {
      throw new CliException(CliException.USAGE, "the PKCS#11 key \"" + pkcs11Key + "\" is "
          + key.type() + ": a release key is an Ed25519 key");
    }
    return new VerifyingSigner(key, s, "the PKCS#11 key \"" + pkcs11Key + "\"");
  }
}
