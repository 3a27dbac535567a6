package dev.cairn.interop;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.note.NoteSignature;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifierKey;
import dev.cairn.policy.Policy;
import dev.cairn.proof.TlogProof;
import dev.cairn.verify.LogVerifier;
import dev.cairn.witness.WitnessKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A release logged in a witnessed log, on real processes over loopback: two {@code cairn witness
 * serve} and a {@code cairn serve} whose witness policy needs both. {@code cairn release keygen,
 * sign, log} make the bundle; its checkpoint carries both witnesses' cosignatures, and {@code
 * cairn release verify} accepts it under the manifest's policy and the log's, and refuses it
 * under a quorum the checkpoint lacks and for a changed file.
 */
class ReleaseWitnessedTest {
  private static final Path BUILD =
      Path.of(System.getProperty("cairn.interop.buildDirectory", "target")).toAbsolutePath();
  private static final String ORIGIN = "example.com/release-log";
  private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

  @TempDir Path tmp;
  private final List<ServerProcess> processes = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (ServerProcess p : processes) {
      p.close();
    }
  }

  @Test
  void theBundleCarriesBothCosignaturesAndVerifyEnforcesTheQuorum() throws Exception {
    // The log's keys first: the witnesses cosign only for logs they know.
    Path data = tmp.resolve("log");
    String logLines = WitnessProcesses.newLogLines(data, ORIGIN);
    Path logsFile = write(tmp.resolve("logs"), logLines.toString());
    Path outputs = BUILD.resolve("drill-logs");
    List<ServerProcess> witnesses = WitnessProcesses.start(tmp, logsFile, 2, outputs,
        "release-");
    processes.addAll(witnesses);
    String witnessLines = WitnessProcesses.policyLines(tmp, witnesses);
    Path witnessPolicy = write(tmp.resolve("witness-policy"),
        logLines + witnessLines + "group both all w1 w2\nquorum both\n");
    ServerProcess server = ServerProcess.start(data, outputs.resolve("release-log.log"),
        List.of("--witness-policy", witnessPolicy.toString(), "--checkpoint-interval", "500ms",
            "--witness-timeout", "2s"));
    processes.add(server);
    Path logPolicy;
    try (LogClient client = new LogClient(server.base())) {
      logPolicy = write(tmp.resolve("log.policy"), new String(client.policy(), UTF_8));
    }

    // Keygen, sign with the log's policy, log: the bundle.
    Path keys = tmp.resolve("keys");
    cli("release", "keygen", "--name", "example.com/cairn-release", "--out", keys.toString());
    Path dist = Files.createDirectories(tmp.resolve("dist"));
    List<Path> files = List.of(write(dist.resolve("cairn-1.0.0.tar.gz"), "the archive"),
        write(dist.resolve("cairn-1.0.0.cdx.json"), "{\"bomFormat\": \"CycloneDX\"}"),
        write(dist.resolve("NOTICE"), "the notice"));
    Path manifest = tmp.resolve("manifest");
    cli(Stream.concat(Stream.of("release", "sign", "--key-file",
        keys.resolve("release.skey").toString(), "--version", "1.0.0", "--commit", COMMIT,
        "--sbom", "cairn-1.0.0.cdx.json", "--log-policy", logPolicy.toString(), "--out",
        manifest.toString()), files.stream().map(Path::toString)).toArray(String[]::new));
    Path bundle = tmp.resolve("cairn-1.0.0.proof");
    cli("release", "log", "--manifest", manifest.toString(), "--log", server.base().toString(),
        "--out", bundle.toString());

    // The bundle: the manifest as extra data, a checkpoint cosigned by both witnesses' keys.
    TlogProof proof = TlogProof.parse(Files.readAllBytes(bundle));
    assertThat(proof.extra().orElseThrow()).isEqualTo(Files.readAllBytes(manifest));
    List<NoteSignature> signatures = SignedNote.parse(proof.checkpoint()).signatures();
    for (int i = 1; i <= 2; i++) {
      Path vkeys = tmp.resolve("w" + i).resolve(WitnessKeys.VKEY_FILE);
      for (String line : Files.readAllLines(vkeys).stream().filter(l -> !l.isBlank()).toList()) {
        VerifierKey k = VerifierKey.parse(line);
        assertThat(signatures).as("a cosignature by %s in the bundle's checkpoint", k.encode())
            .anyMatch(s -> s.isBy(k.name(), k.keyId()));
      }
    }
    assertThat(LogVerifier.of(Policy.parse(Files.readString(logPolicy)))
        .verifyCheckpoint(proof.checkpoint()).witnesses())
        .containsExactlyInAnyOrder("w1-ed", "w1-pq", "w2-ed", "w2-pq");

    // Verify: the manifest's policy, then the log's, both met by the cosignatures.
    List<String> verify = new ArrayList<>(List.of("release", "verify", "--bundle",
        bundle.toString(), "--key", keys.resolve("release.vkey").toString()));
    files.forEach(f -> verify.add(f.toString()));
    String met = "witnesses: cosigned by w1-ed, w1-pq, w2-ed, w2-pq, quorum \"both\" met";
    assertThat(cli(verify.toArray(String[]::new)).out()).contains(met)
        .contains("(policy from the manifest)").contains("OK cairn-1.0.0.tar.gz ");
    assertThat(cli(with(verify, "--policy", logPolicy)).out()).contains(met)
        .contains("(policy from " + logPolicy + ")");

    // A policy that also needs a third witness, which never cosigned: the quorum step refuses.
    VerifierKey third = SignerKey.generate("w3.example", SignatureType.COSIGNATURE_V1,
        new SecureRandom()).verifierKey();
    Path threeOfThree = write(tmp.resolve("three.policy"), logLines + witnessLines
        + "witness w3 " + third.encode() + "\ngroup three all w1 w2 w3\nquorum three\n");
    CairnCli.Result refused = CairnCli.run(with(verify, "--policy", threeOfThree));
    assertThat(refused.code()).as(refused.describe()).isEqualTo(1);
    assertThat(refused.err()).as(refused.describe())
        .contains("cairn release verify: FAILED: checkpoint: quorum not met: cosigned by w1-ed,"
            + " w1-pq, w2-ed, w2-pq; no cosignature from w3; quorum \"three\"")
        .contains("(policy given)");
    assertThat(refused.out()).as(refused.describe()).doesNotContain("OK");

    // A changed artifact, same size: refused, naming the file.
    byte[] archive = Files.readAllBytes(files.getFirst());
    archive[0] ^= 1;
    Files.write(files.getFirst(), archive);
    CairnCli.Result changed = CairnCli.run(verify.toArray(String[]::new));
    assertThat(changed.code()).as(changed.describe()).isEqualTo(1);
    assertThat(changed.err()).as(changed.describe()).contains("cairn release verify: FAILED:"
        + " cairn-1.0.0.tar.gz: SHA-256 differs from the manifest");
  }

  /** Runs {@code cairn args} in this JVM and requires exit 0. */
  private static CairnCli.Result cli(String... args) {
    CairnCli.Result r = CairnCli.run(args);
    assertThat(r.code()).as("cairn %s\n%s", String.join(" ", args), r.describe()).isZero();
    return r;
  }

  /** {@code command} with {@code option value} inserted before its file arguments. */
  private static String[] with(List<String> command, String option, Path value) {
    List<String> c = new ArrayList<>(command);
    c.addAll(2, List.of(option, value.toString()));
    return c.toArray(String[]::new);
  }

  private static Path write(Path file, String text) throws Exception {
    Files.writeString(file, text, UTF_8);
    return file;
  }
}
