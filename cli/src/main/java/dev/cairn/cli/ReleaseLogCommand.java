package dev.cairn.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.note.NoteException;
import dev.cairn.note.SignedNote;
import dev.cairn.proof.TlogProof;
import dev.cairn.release.ReleaseBundle;
import dev.cairn.release.ReleaseException;
import dev.cairn.release.ReleaseManifest;
import dev.cairn.release.ReleaseVerifier;
import dev.cairn.release.VerifiedRelease;
import dev.cairn.tile.Bundles;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cairn release log}: submits the signed manifest to the log, waits for its tlog-proof,
 * and writes the release bundle only once it verifies as {@code cairn release verify} would
 * (all but the release key's signature, which its signer needs no proof of).
 */
@Command(name = "log", description = {
    "Add the signed manifest M to the log at URL (POST /add, answered with a tlog-proof once a"
        + " checkpoint includes it), and write the release bundle: that proof with the manifest"
        + " as its extra data. The bundle is written only if its checkpoint satisfies the policy"
        + " (--policy, else the manifest's own policy lines); it is never overwritten.",
    "Exits 0 when the bundle is written, 1 if it does not verify."})
final class ReleaseLogCommand implements Callable<Integer> {
  /** How long the log may take to sequence the manifest and publish a checkpoint with it. */
  private static final Duration TIMEOUT = Duration.ofMinutes(2);
  private static final ObjectMapper JSON = new ObjectMapper();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--manifest", required = true, paramLabel = "M",
      description = "The signed manifest (cairn release sign --out).")
  Path manifestFile;

  @Option(names = "--log", required = true, paramLabel = "URL",
      description = "The log's base URL, e.g. https://log.example.")
  String url;

  @Option(names = "--token-file", paramLabel = "FILE",
      description = "File holding a bearer JWT with the role submitter, if the log asks one.")
  Path tokenFile;

  @Option(names = "--policy", paramLabel = "P", description = "The log's tlog-policy to check"
      + " the checkpoint with, instead of the manifest's policy lines.")
  Path policyFile;

  @Option(names = "--ca-cert", paramLabel = "FILE", description = "With an https URL: trust"
      + " the PEM certificates in FILE (a private CA) instead of the JDK's.")
  Path caCert;

  @Option(names = "--out", required = true, paramLabel = "BUNDLE",
      description = "The release bundle to write, e.g. cairn-1.2.3.proof.")
  Path out;

  @Override
  public Integer call() throws IOException {
    ReleaseCommand.checkNew(out);
    byte[] signed = ReleaseCommand.read(manifestFile, Bundles.MAX_ENTRY_SIZE, "--manifest");
    ReleaseManifest manifest;
    try {
      manifest = ReleaseManifest.parse(SignedNote.parse(signed).text());
    } catch (NoteException | IllegalArgumentException e) {
      throw new CliException(CliException.USAGE, "--manifest " + manifestFile
          + " is not a signed release manifest: " + e.getMessage());
    }
    ReleaseVerifier verifier = ReleaseVerifier.forPublisher();
    if (policyFile != null) {
      verifier = verifier.withPolicy(VerifyCommand.policy(policyFile));
    } else if (manifest.policy().isEmpty()) {
      throw new CliException(CliException.USAGE, "no policy: give --policy, the log's"
          + " tlog-policy, or sign the manifest with --log-policy");
    }
    JsonNode answer = submit(signed);
    TlogProof proof;
    try {
      proof = TlogProof.parse(answer.path("proof").asText("").getBytes(StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      throw new CliException(CliException.IO, "the log's answer holds no valid tlog-proof: "
          + e.getMessage());
    }
    if (!answer.path("index").canConvertToLong()
        || answer.path("index").asLong() != proof.index()) {
      throw new CliException(CliException.IO, "the log answered index " + answer.path("index")
          + " but its proof is for index " + proof.index());
    }
    byte[] bundle = ReleaseBundle.of(signed, proof).encode();
    VerifiedRelease r;
    try {
      r = verifier.verify(bundle, List.of());
    } catch (ReleaseException e) {
      spec.commandLine().getErr().println("cairn release log: FAILED: the log's proof does not"
          + " verify, no bundle written: " + e.getMessage());
      return VerifyCommand.FAILED;
    }
    ReleaseCommand.write(out, bundle);
    spec.commandLine().getOut().println("logged release " + manifest.version() + " as entry "
        + r.index() + (answer.path("duplicate").asBoolean() ? " (already in the log)" : "")
        + " of " + r.checkpoint().checkpoint().origin() + ", in its checkpoint of size "
        + r.checkpoint().checkpoint().size() + "; " + ReleaseVerifyCommand.witnesses(r)
        + "; wrote " + out);
    spec.commandLine().getOut().flush();
    return 0;
  }

  /** POSTs the manifest to the log's {@code /add} and returns its JSON answer. */
  private JsonNode submit(byte[] signed) throws IOException {
    String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    if (!base.startsWith("http://") && !base.startsWith("https://")) {
      throw new CliException(CliException.USAGE, "--log must start with http:// or https://");
    }
    URI uri;
    try {
      uri = URI.create(base + "/add");
    } catch (IllegalArgumentException e) {
      throw new CliException(CliException.USAGE, "--log is not a URL: " + e.getMessage());
    }
    HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(signed));
    if (tokenFile != null) {
      if (uri.getScheme().equals("http") && !KeyCommand.isLoopback(uri.getHost())) {
        throw new CliException(CliException.USAGE, "--log " + url + " is plain http to another"
            + " machine: the token would cross the network in the clear; use https://");
      }
      String token;
      try {
        token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new CliException(CliException.USAGE, "cannot read --token-file " + tokenFile
            + ": " + e.getMessage());
      }
      req.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> resp;
    try (HttpClient client = HttpClients.builder(Optional.ofNullable(caCert), TIMEOUT)
        .build()) {
      resp = client.send(req.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    } catch (IOException e) {
      throw new CliException(CliException.IO, "couldn't POST to " + uri + ": " + e);
    }
    if (resp.statusCode() != 200) {
      throw new CliException(resp.statusCode() == 401 || resp.statusCode() == 403
          ? CliException.USAGE : CliException.IO, "POST " + uri + " answered "
          + resp.statusCode() + ": " + resp.body().strip());
    }
    try {
      return JSON.readTree(resp.body());
    } catch (IOException e) {
      throw new CliException(CliException.IO, "POST " + uri + " answered something other than"
          + " JSON: " + e.getMessage());
    }
  }
}
