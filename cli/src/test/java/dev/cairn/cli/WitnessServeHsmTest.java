package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.log.keys.HsmSettings;
import dev.cairn.log.keys.Pkcs11Token;
import dev.cairn.log.testing.SoftHsm;
import dev.cairn.merkle.Hasher;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifiedNote;
import dev.cairn.note.VerifierKey;
import dev.cairn.note.VerifierSet;
import dev.cairn.witnessing.AddCheckpoint;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cairn witness serve} with its Ed25519 cosigner key on a real SoftHSM2 token: it
 * cosigns with the token key under the witness's name, resumes with the same key, is accepted
 * by the prod profile without {@code --allow-file-keys}, keeps the kind of key a data directory
 * was made with, and names what is wrong with a bad label, PIN or half-given token.
 */
class WitnessServeHsmTest {
  private static final String NAME = "witness.example/hsm";
  private final SoftHsm hsm = SoftHsm.shared();
  private final HttpClient http = HttpClient.newHttpClient();
  private final SignerKey log = SignerKey.generate("example.com/log", SignatureType.ED25519,
      new SecureRandom());
  @TempDir Path dir;

  private static String label(String what) {
    return what + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static List<String> tokenFlags(HsmSettings token, String label) {
    return List.of("--pkcs11-library", token.library().toString(), "--pkcs11-token",
        token.tokenLabel(), "--pkcs11-pin-file", token.pinFile().toString(), "--pkcs11-key",
        label);
  }

  @Test
  void theTokenKeyCosignsAndARestartResumesWithIt() throws Exception {
    String label = label("witness");
    hsm.generateEd25519(label);
    HsmSettings token = hsm.settings(dir, Optional.empty());
    VerifierKey onToken = Pkcs11Token.open(token).ed25519(label).cosignatureKey(NAME);
    Path data = dir.resolve("wdata");
    Path logs = dir.resolve("logs");
    Files.writeString(logs, "log " + log.verifierKey().encode() + "\n");

    // The prod profile, without --allow-file-keys: the Ed25519 key is on the token.
    List<String> args = new ArrayList<>(List.of("--profile", "prod", "--data", data.toString(),
        "--name", NAME, "--logs", logs.toString()));
    args.addAll(tokenFlags(token, label));
    List<String> vkeys = new ArrayList<>();
    String first = serve(args, port -> {
      vkeys.addAll(Files.readAllLines(data.resolve("witness.vkey")));
      HttpResponse<String> r = post(port, 0, 5);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      VerifiedNote v = cosigned(5, r.body(), VerifierKey.parse(vkeys.get(0)));
      assertThat(v.verified()).singleElement().satisfies(s -> {
        assertThat(s.type()).isEqualTo(SignatureType.COSIGNATURE_V1);
        assertThat(s.timestamp()).isPresent();
      });
    });
    assertThat(vkeys).hasSize(2);
    assertThat(vkeys.get(0)).isEqualTo(onToken.encode());
    VerifierKey mlDsa = VerifierKey.parse(vkeys.get(1));
    assertThat(mlDsa.type()).isEqualTo(SignatureType.MLDSA44_SUBTREE_V1);
    assertThat(mlDsa.name()).isEqualTo(NAME);
    assertThat(first).contains("witness " + NAME + " serving at", "(new: keys created)",
        "the Ed25519 cosigner key is the PKCS#11 key \"" + label + "\"", vkeys.get(0),
        vkeys.get(1));
    // Only the ML-DSA-44 key is a key file; the token key is recorded by its verifier key.
    List<String> stored = Files.readAllLines(data.resolve("keys/cosigner.keys"));
    assertThat(stored.get(0)).isEqualTo(onToken.encode());
    assertThat(stored.get(1)).startsWith(SignerKey.PREFIX);

    // A restart, the token from a YAML file this time, resumes: size 5 is what it cosigned
    // (409 from 0), and it cosigns size 5 again with the same token key.
    Path config = dir.resolve("witness.yaml");
    Files.writeString(config, "schema_version: 1\nprofile: prod\npkcs11_library: "
        + token.library() + "\npkcs11_token: " + token.tokenLabel() + "\npkcs11_pin_file: "
        + token.pinFile() + "\npkcs11_key: " + label + "\n");
    String second = serve(List.of("--config", config.toString(), "--data", data.toString(),
        "--logs", logs.toString()), port -> {
      HttpResponse<String> stale = post(port, 0, 5);
      assertThat(stale.statusCode()).as(stale.body()).isEqualTo(409);
      assertThat(stale.body()).isEqualTo("5\n");
      HttpResponse<String> again = post(port, 5, 5);
      assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
      assertThat(cosigned(5, again.body(), VerifierKey.parse(vkeys.get(0))).verified())
          .hasSize(1);
    });
    assertThat(second).doesNotContain("new: keys created").contains(vkeys.get(0));
    assertThat(Files.readAllLines(data.resolve("witness.vkey"))).isEqualTo(vkeys);

    // Without the token, or with another key on it, the witness would not be itself.
    WitnessServeTest.Result noToken = WitnessServeTest.cairn("witness", "serve", "--data",
        data.toString(), "--listen", "127.0.0.1:0");
    assertThat(noToken.code()).isEqualTo(CliException.USAGE);
    assertThat(noToken.err()).contains("cosigns with an Ed25519 key on a PKCS#11 token ("
        + vkeys.get(0) + ")", "--pkcs11-key");
    String other = label("other");
    hsm.generateEd25519(other);
    List<String> otherArgs = new ArrayList<>(List.of("witness", "serve", "--data",
        data.toString(), "--listen", "127.0.0.1:0"));
    otherArgs.addAll(tokenFlags(token, other));
    WitnessServeTest.Result otherKey = WitnessServeTest.cairn(otherArgs.toArray(String[]::new));
    assertThat(otherKey.code()).isEqualTo(CliException.USAGE);
    assertThat(otherKey.err()).contains("\"" + other + "\"",
        "but this data directory's witness cosigns with " + vkeys.get(0));
    assertThat(Files.readAllLines(data.resolve("witness.vkey"))).isEqualTo(vkeys);
  }

  @Test
  void aWitnessMadeWithAKeyFileIsRefusedATokenKey() throws Exception {
    Path data = dir.resolve("files");
    serve(List.of("--data", data.toString(), "--name", NAME), port -> { });
    List<String> vkeys = Files.readAllLines(data.resolve("witness.vkey"));
    String label = label("late");
    hsm.generateEd25519(label);
    List<String> args = new ArrayList<>(List.of("witness", "serve", "--data", data.toString(),
        "--listen", "127.0.0.1:0"));
    args.addAll(tokenFlags(hsm.settings(dir, Optional.empty()), label));
    WitnessServeTest.Result r = WitnessServeTest.cairn(args.toArray(String[]::new));
    assertThat(r.code()).isEqualTo(CliException.USAGE);
    assertThat(r.err()).contains("cosigns with the Ed25519 key file in keys/cosigner.keys ("
        + vkeys.get(0) + ")", "would make it another witness");
    assertThat(Files.readAllLines(data.resolve("witness.vkey"))).isEqualTo(vkeys);
  }

  @Test
  void aBadLabelPinOrHalfGivenTokenIsAClearErrorAndCreatesNothing() throws Exception {
    HsmSettings token = hsm.settings(dir, Optional.empty());
    Path data = dir.resolve("never");

    List<String> noKey = new ArrayList<>(List.of("witness", "serve", "--data", data.toString()));
    noKey.addAll(tokenFlags(token, "x").subList(0, 6));
    WitnessServeTest.Result r = WitnessServeTest.cairn(noKey.toArray(String[]::new));
    assertThat(r.code()).isEqualTo(CliException.USAGE);
    assertThat(r.err()).contains("needs pkcs11_key (--pkcs11-key)");

    r = WitnessServeTest.cairn("witness", "serve", "--data", data.toString(), "--pkcs11-key",
        "x");
    assertThat(r.code()).isEqualTo(CliException.USAGE);
    assertThat(r.err()).contains("needs pkcs11_library (--pkcs11-library)");

    List<String> missing = new ArrayList<>(List.of("witness", "serve", "--data",
        data.toString()));
    missing.addAll(tokenFlags(token, "no-such-key"));
    r = WitnessServeTest.cairn(missing.toArray(String[]::new));
    assertThat(r.code()).isEqualTo(CliException.IO);
    assertThat(r.err()).contains("couldn't use the PKCS#11 cosigner key \"no-such-key\"",
        "has no private key labelled \"no-such-key\"");

    Path wrongPin = dir.resolve("wrong.pin");
    Files.writeString(wrongPin, "000000\n");
    Files.setPosixFilePermissions(wrongPin,
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    String label = label("pin");
    hsm.generateEd25519(label);
    r = WitnessServeTest.cairn("witness", "serve", "--data", data.toString(),
        "--pkcs11-library", token.library().toString(), "--pkcs11-token", token.tokenLabel(),
        "--pkcs11-pin-file", wrongPin.toString(), "--pkcs11-key", label);
    assertThat(r.code()).isEqualTo(CliException.IO);
    // The first login of the JVM is refused by the token; a later one by Pkcs11Token, which
    // knows the process is logged in with another PIN. Both name the PIN file.
    assertThat(r.err()).contains("couldn't use the PKCS#11 cosigner key \"" + label + "\"",
        "with the PIN in " + wrongPin);

    // The prod profile still refuses a PIN file that others may read.
    Files.setPosixFilePermissions(wrongPin,
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    r = WitnessServeTest.cairn("witness", "serve", "--profile", "prod", "--data",
        data.toString(), "--pkcs11-library", token.library().toString(), "--pkcs11-token",
        token.tokenLabel(), "--pkcs11-pin-file", wrongPin.toString(), "--pkcs11-key", label);
    assertThat(r.code()).isEqualTo(CliException.USAGE);
    assertThat(r.err()).contains("pkcs11_pin_file " + wrongPin + " is open to group or others")
        .doesNotContain("--allow-file-keys");
    assertThat(data).doesNotExist();
  }

  /** Serves with {@code args} on a loopback port, runs {@code body}, stops, returns output. */
  private static String serve(List<String> args, ServingWitness.WhileServing body)
      throws Exception {
    List<String> all = new ArrayList<>(args);
    all.addAll(List.of("--listen", "127.0.0.1:0"));
    return ServingWitness.run(all, body);
  }

  /** The log's checkpoint of {@code size} (a made-up root: the witness checks only growth). */
  private byte[] checkpoint(long size) {
    return SignedNote.sign(new Checkpoint(log.name(), size, Hasher.threadLocal().leaf(
        Long.toString(size).getBytes(StandardCharsets.UTF_8))).format(),
        List.of(log.signer())).encode();
  }

  private HttpResponse<String> post(int port, long oldSize, long size) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + "/add-checkpoint")).POST(HttpRequest.BodyPublishers.ofByteArray(new AddCheckpoint(
        oldSize, List.of(), checkpoint(size)).encode())).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The checkpoint of {@code size} with the cosignature lines of an answer, verified. */
  private VerifiedNote cosigned(long size, String cosignatures, VerifierKey witness) {
    String text = SignedNote.parse(checkpoint(size)).text();
    return SignedNote.parse((text + "\n" + cosignatures).getBytes(StandardCharsets.UTF_8))
        .open(VerifierSet.ofKeys(List.of(witness)));
  }
}
