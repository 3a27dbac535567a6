package dev.cairn.cli;

import static dev.cairn.cli.KeyCommandsTest.cairn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifierKey;
import dev.cairn.proof.TlogProof;
import dev.cairn.release.ReleaseManifest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code cairn release keygen → sign → log → verify} against a real {@code cairn serve} on a
 * loopback port, then every refusal of {@code verify} (and of {@code log}), each naming why.
 */
class ReleaseCommandTest {
  private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
  private static final String TARBALL = "cairn-1.0.0.tar.gz";
  private static final String SBOM = "cairn-1.0.0.cdx.json";

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  private ServeCommand serve;
  private CompletableFuture<Integer> running;
  private String base;
  private Path keys;
  private Path logPolicy;
  private Path tarball;
  private Path sbom;

  @BeforeEach
  void startALogAndMakeAKey() throws Exception {
    serve = new ServeCommand();
    CommandLine cl = new CommandLine(serve);
    cl.setOut(new PrintWriter(new StringWriter(), true));
    int port = LocalServers.freePort();
    base = "http://127.0.0.1:" + port;
    Path data = dir.resolve("data");
    running = CompletableFuture.supplyAsync(() -> cl.execute("--data", data.toString(),
        "--listen", "127.0.0.1:" + port, "--origin", "example.com/log",
        "--checkpoint-interval", "50ms"));
    LocalServers.awaitHealthy(base);
    logPolicy = dir.resolve("log.policy");
    Files.writeString(logPolicy, get(base + "/policy"));

    keys = dir.resolve("keys");
    KeyCommandsTest.Result keygen = cairn("release", "keygen", "--name",
        "example.com/cairn-release", "--out", keys.toString());
    assertThat(keygen.code()).as(keygen.err()).isZero();
    tarball = Files.write(Files.createDirectories(dir.resolve("dist")).resolve(TARBALL),
        random(5000));
    sbom = Files.writeString(dir.resolve("dist").resolve(SBOM), "{\"bomFormat\":\"CycloneDX\"}");
  }

  @AfterEach
  void stopTheLog() throws Exception {
    serve.stop.countDown();
    assertThat(running.get()).isZero();
  }

  @Test
  void keygenWritesAnOwnerOnlyKeyAndNeverOverwritesIt() throws Exception {
    VerifierKey vkey = VerifierKey.parse(Files.readString(keys.resolve("release.vkey")).strip());
    assertThat(vkey.name()).isEqualTo("example.com/cairn-release");
    assertThat(vkey.type()).isEqualTo(SignatureType.ED25519);
    assertThat(SignerKey.parse(Files.readString(keys.resolve("release.skey"))).verifierKey())
        .isEqualTo(vkey);
    assertThat(Files.getPosixFilePermissions(keys.resolve("release.skey")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    String skey = Files.readString(keys.resolve("release.skey"));
    KeyCommandsTest.Result again = cairn("release", "keygen", "--name", "example.com/x",
        "--out", keys.toString());
    assertThat(again.code()).isEqualTo(CliException.USAGE);
    assertThat(again.err()).contains("refusing to overwrite " + keys.resolve("release.skey"));
    assertThat(Files.readString(keys.resolve("release.skey"))).isEqualTo(skey);
    KeyCommandsTest.Result badName = cairn("release", "keygen", "--name", "a b", "--out",
        dir.resolve("k2").toString());
    assertThat(badName.code()).isEqualTo(CliException.USAGE);
    assertThat(badName.err()).contains("invalid --name \"a b\"");
  }

  @Test
  void aReleaseSignedAndLoggedVerifiesOffline() throws Exception {
    Path bundle = signAndLog("1.0.0", true);
    String vkey = Files.readString(keys.resolve("release.vkey")).strip();
    for (List<String> extra : List.of(List.<String>of(),
        List.of("--policy", logPolicy.toString()))) {
      List<String> args = new ArrayList<>(List.of("release", "verify", "--bundle",
          bundle.toString(), "--key", vkey));
      args.addAll(extra);
      args.addAll(List.of(tarball.toString(), sbom.toString()));
      KeyCommandsTest.Result r = cairn(args.toArray(String[]::new));
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("OK " + TARBALL + " 5000 bytes sha256:",
          "OK " + SBOM + " 25 bytes sha256:",
          "release 1.0.0 (commit " + COMMIT + "), signed by example.com/cairn-release+",
          "logged as entry 0 of example.com/log, checkpoint size 1; witnesses: none required",
          extra.isEmpty() ? "(policy from the manifest)" : "(policy from " + logPolicy + ")")
          .endsWith("OK\n");
    }
    // The bundle is the log's tlog-proof with the signed manifest as its extra data.
    TlogProof proof = TlogProof.parse(Files.readAllBytes(bundle));
    byte[] manifest = Files.readAllBytes(dir.resolve("1.0.0.manifest"));
    assertThat(proof.extra()).hasValueSatisfying(e -> assertThat(e).isEqualTo(manifest));
    ReleaseManifest m = ReleaseManifest.parse(SignedNote.parse(manifest).text());
    assertThat(m.policyLines()).containsExactlyElementsOf(
        Files.readString(logPolicy).lines().toList());
    assertThat(m.artifacts()).extracting(a -> a.name()).containsExactly(SBOM, TARBALL);
    // Logging the same manifest again gives its existing index; the bundle is never replaced.
    KeyCommandsTest.Result again = cairn("release", "log", "--manifest",
        dir.resolve("1.0.0.manifest").toString(), "--log", base, "--out", bundle.toString());
    assertThat(again.code()).isEqualTo(CliException.USAGE);
    assertThat(again.err()).contains("refusing to overwrite " + bundle);
    KeyCommandsTest.Result dup = cairn("release", "log", "--manifest",
        dir.resolve("1.0.0.manifest").toString(), "--log", base, "--out",
        dir.resolve("dup.proof").toString());
    assertThat(dup.code()).as(dup.err()).isZero();
    assertThat(dup.out()).contains("as entry 0 (already in the log)");
  }

  @Test
  void verifyRefusesEachWayAReleaseCanBeWrong() throws Exception {
    Path bundle = signAndLog("1.0.0", true);
    Path vkey = keys.resolve("release.vkey");

    Path changed = Files.write(Files.createDirectories(dir.resolve("changed")).resolve(TARBALL),
        random(5000));
    assertRefused(verify(bundle, vkey, changed), TARBALL + ": SHA-256 differs from the manifest"
        + " (manifest sha256:");

    Path evil = Files.writeString(dir.resolve("dist").resolve("evil.jar"), "x");
    assertRefused(verify(bundle, vkey, tarball, evil), "evil.jar: not in the manifest (it lists "
        + SBOM + ", " + TARBALL + ")");

    Path otherKeys = dir.resolve("other-keys");
    assertThat(cairn("release", "keygen", "--name", "example.com/cairn-release", "--out",
        otherKeys.toString()).code()).isZero();
    assertRefused(verify(bundle, otherKeys.resolve("release.vkey"), tarball),
        "manifest signature: not signed by the release key example.com/cairn-release+");

    // The 1.0.0 manifest with the index, path and checkpoint of the 1.0.1 entry.
    Path next = signAndLog("1.0.1", true);
    TlogProof a = TlogProof.parse(Files.readAllBytes(bundle));
    TlogProof b = TlogProof.parse(Files.readAllBytes(next));
    Path mixed = Files.write(dir.resolve("mixed.proof"), new TlogProof(a.extra().orElseThrow(),
        b.index(), b.inclusion(), b.checkpoint()).encode());
    assertRefused(verify(mixed, vkey, tarball),
        "inclusion proof: the manifest is not entry 1 of the tree of size 2");

    byte[] manifest = a.extra().orElseThrow();
    byte[] tampered = new String(manifest, StandardCharsets.UTF_8)
        .replace("version 1.0.0", "version 1.0.2").getBytes(StandardCharsets.UTF_8);
    Path edited = Files.write(dir.resolve("edited.proof"),
        new TlogProof(tampered, a.index(), a.inclusion(), a.checkpoint()).encode());
    assertRefused(verify(edited, vkey, tarball), "manifest signature: the release key"
        + " example.com/cairn-release+");

    // The user's policy asks for a witness the log does not have.
    SignerKey witness = SignerKey.generate("w.example", SignatureType.COSIGNATURE_V1,
        new SecureRandom());
    Path quorum = Files.writeString(dir.resolve("quorum.policy"), Files.readString(logPolicy)
        .replace("quorum none\n", "") + "witness W " + witness.verifierKey().encode()
        + "\nquorum W\n");
    assertRefused(verify(bundle, vkey, "--policy", quorum, tarball),
        "checkpoint: quorum not met: cosigned by no witness; no cosignature from W");

    SignerKey otherLog = SignerKey.generate("example.com/log", SignatureType.ED25519,
        new SecureRandom());
    Path wrongLog = Files.writeString(dir.resolve("other-log.policy"), "log "
        + otherLog.verifierKey().encode() + "\nquorum none\n");
    assertRefused(verify(bundle, vkey, "--policy", wrongLog, tarball),
        "checkpoint: untrusted: no signature by a trusted key");

    Path garbage = Files.writeString(dir.resolve("garbage.proof"), "not a proof\n");
    assertRefused(verify(garbage, vkey, tarball), "bundle: not a c2sp.org/tlog-proof@v1");
  }

  @Test
  void withoutAPolicyNothingIsLoggedOrVerified() throws Exception {
    Path manifest = dir.resolve("bare.manifest");
    KeyCommandsTest.Result sign = sign("1.0.0", false, manifest);
    assertThat(sign.code()).as(sign.err()).isZero();
    assertThat(sign.out()).contains("no log policy");
    Path bundle = dir.resolve("bare.proof");
    KeyCommandsTest.Result log = cairn("release", "log", "--manifest", manifest.toString(),
        "--log", base, "--out", bundle.toString());
    assertThat(log.code()).isEqualTo(CliException.USAGE);
    assertThat(log.err()).contains("no policy: give --policy");
    assertThat(bundle).doesNotExist();

    // With the log's policy the bundle is written, but verifying needs a policy again.
    log = cairn("release", "log", "--manifest", manifest.toString(), "--log", base, "--policy",
        logPolicy.toString(), "--out", bundle.toString());
    assertThat(log.code()).as(log.err()).isZero();
    Path vkey = keys.resolve("release.vkey");
    assertRefused(verify(bundle, vkey, tarball), "checkpoint: no policy: give --policy");
    KeyCommandsTest.Result ok = verify(bundle, vkey, "--policy", logPolicy, tarball);
    assertThat(ok.code()).as(ok.err()).isZero();

    // A policy the log's checkpoint cannot meet: nothing is written.
    SignerKey witness = SignerKey.generate("w.example", SignatureType.COSIGNATURE_V1,
        new SecureRandom());
    Path quorum = Files.writeString(dir.resolve("quorum.policy"), Files.readString(logPolicy)
        .replace("quorum none\n", "") + "witness W " + witness.verifierKey().encode()
        + "\nquorum W\n");
    Path unwitnessed = dir.resolve("unwitnessed.proof");
    log = cairn("release", "log", "--manifest", manifest.toString(), "--log", base, "--policy",
        quorum.toString(), "--out", unwitnessed.toString());
    assertThat(log.code()).isEqualTo(VerifyCommand.FAILED);
    assertThat(log.err()).contains("no bundle written: checkpoint: quorum not met");
    assertThat(unwitnessed).doesNotExist();
  }

  @Test
  void signRefusesBadInputNamingIt() throws Exception {
    Path out = dir.resolve("bad.manifest");
    KeyCommandsTest.Result r = cairn("release", "sign", "--key-file",
        keys.resolve("release.skey").toString(), "--version", "1.0.0", "--commit", "abc",
        "--sbom", SBOM, "--out", out.toString(), tarball.toString(), sbom.toString());
    assertThat(r.code()).isEqualTo(CliException.USAGE);
    assertThat(r.err()).contains("commit must be 40 lowercase hex digits, got \"abc\"");
    r = cairn("release", "sign", "--key-file", keys.resolve("release.skey").toString(),
        "--version", "1.0.0", "--commit", COMMIT, "--sbom", "missing.json", "--out",
        out.toString(), tarball.toString());
    assertThat(r.code()).isEqualTo(CliException.USAGE);
    assertThat(r.err()).contains("the sbom \"missing.json\" is not one of the artifacts");
    r = cairn("release", "sign", "--version", "1.0.0", "--commit", COMMIT, "--sbom", SBOM,
        "--out", out.toString(), sbom.toString());
    assertThat(r.code()).isEqualTo(CliException.USAGE);
    assertThat(r.err()).contains("give the release key: either --key-file, or --pkcs11");
    assertThat(out).doesNotExist();
    KeyCommandsTest.Result garbage = cairn("release", "log", "--manifest", tarball.toString(),
        "--log", base, "--out", dir.resolve("x.proof").toString());
    assertThat(garbage.code()).isEqualTo(CliException.USAGE);
    assertThat(garbage.err()).contains("is not a signed release manifest");
  }

  /** Signs the dist files as {@code version} and logs them; returns the bundle. */
  private Path signAndLog(String version, boolean withPolicy) throws Exception {
    Path manifest = dir.resolve(version + ".manifest");
    KeyCommandsTest.Result sign = sign(version, withPolicy, manifest);
    assertThat(sign.code()).as(sign.err()).isZero();
    assertThat(sign.out()).contains("wrote " + manifest + ": release " + version
        + ", 2 artifacts, the log policy of " + logPolicy + ", signed by "
        + Files.readString(keys.resolve("release.vkey")).strip());
    Path bundle = dir.resolve("cairn-" + version + ".proof");
    KeyCommandsTest.Result log = cairn("release", "log", "--manifest", manifest.toString(),
        "--log", base, "--out", bundle.toString());
    assertThat(log.code()).as(log.err()).isZero();
    assertThat(log.out()).contains("logged release " + version + " as entry",
        "of example.com/log", "wrote " + bundle);
    return bundle;
  }

  private KeyCommandsTest.Result sign(String version, boolean withPolicy, Path out) {
    List<String> args = new ArrayList<>(List.of("release", "sign", "--key-file",
        keys.resolve("release.skey").toString(), "--version", version, "--commit", COMMIT,
        "--sbom", SBOM, "--out", out.toString()));
    if (withPolicy) {
      args.addAll(List.of("--log-policy", logPolicy.toString()));
    }
    args.addAll(List.of(tarball.toString(), sbom.toString()));
    return cairn(args.toArray(String[]::new));
  }

  private static KeyCommandsTest.Result verify(Path bundle, Path key, Object... rest) {
    List<String> args = new ArrayList<>(List.of("release", "verify", "--bundle",
        bundle.toString(), "--key", key.toString()));
    for (Object o : rest) {
      args.add(o.toString());
    }
    return cairn(args.toArray(String[]::new));
  }

  private static void assertRefused(KeyCommandsTest.Result r, String reason) {
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(VerifyCommand.FAILED);
    assertThat(r.err()).startsWith("cairn release verify: FAILED: " + reason);
    assertThat(r.out()).isEmpty();
  }

  private String get(String url) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body();
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new SecureRandom().nextBytes(b);
    return b;
  }
}
