package dev.cairn.interop;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.log.auth.TokenIssuerAccess;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.VerifierKey;
import dev.cairn.log.testing.SoftHsm;
import dev.cairn.log.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The production shape with real processes: {@code cairn serve} over HTTPS signing checkpoints
 * in a real SoftHSM2 token, audited by the independent Go auditor over HTTPS; and the key
 * rotation drill — a development log moved onto an HSM key with {@code cairn key rotate} and
 * {@code cairn key retire} under sustained authenticated writes, a Go auditor holding only the
 * old key passing throughout the overlap and one holding only the new key passing after it.
 */
class HsmTlsDrillTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration DEADLINE = Duration.ofSeconds(60);
  private static final int WRITERS = 4;
  private final SoftHsm hsm = SoftHsm.shared();
  private final TestCertificates ca = new TestCertificates();
  @TempDir Path tmp;

  /** The flags for HTTPS with a fresh certificate, and the CA file clients trust. */
  private List<String> tls() throws Exception {
    Path cert = tmp.resolve("cert.pem");
    Path key = tmp.resolve("key.pem");
    ca.write(ca.issue(), cert, key);
    ca.writeCa(caFile());
    return List.of("--tls-cert", cert.toString(), "--tls-key", key.toString());
  }

  private Path caFile() {
    return tmp.resolve("ca.pem");
  }

  private List<String> token() throws Exception {
    var s = hsm.settings(tmp, Optional.empty());
    return List.of("--pkcs11-library", s.library().toString(), "--pkcs11-token",
        s.tokenLabel(), "--pkcs11-pin-file", s.pinFile().toString());
  }

  private GoTool.Result audit(String vkey, ServerProcess server) {
    return GoTool.run(Map.of("SSL_CERT_FILE", caFile().toString()), GoTool.program("auditor"),
        "-vkey", vkey, "-api", server.base().toString());
  }

  private static List<String> options(List<String>... parts) {
    List<String> out = new ArrayList<>(List.of("--origin", "example.com/hsm-drill",
        "--sequencing-interval", "5ms", "--checkpoint-interval", "100ms"));
    for (List<String> p : parts) {
      out.addAll(p);
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"ed25519", "p256"})
  void anHsmSignedLogServedOverHttpsPassesTheGoAuditor(String type) throws Exception {
    String label = "serve-" + type + "-" + System.nanoTime();
    if (type.equals("ed25519")) {
      hsm.generateEd25519(label);
    } else {
      hsm.generateP256(label);
    }
    Path data = tmp.resolve("data");
    List<String> opts = options(tls(), token(), List.of("--pkcs11-key", label));
    try (ServerProcess server = ServerProcess.start(data, tmp.resolve("serve.log"), opts,
        Optional.of(ca.clientContext()));
        LogClient client = server.client(Optional.empty())) {
      List<byte[]> batch = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        batch.add(("hsm entry " + i).getBytes(UTF_8));
      }
      client.addBatch(batch);
      client.addAndAwaitCheckpoint("the last one".getBytes(UTF_8));
      String vkey = Files.readAllLines(data.resolve("log.vkey"), UTF_8).get(0);
      assertThat(VerifierKey.parse(vkey).type()).isEqualTo(type.equals("ed25519")
          ? SignatureType.ED25519 : SignatureType.ECDSA_P256);
      assertThat(Files.exists(data.resolve("keys/log.skey"))).as("no Ed25519 key file").isFalse();

      GoTool.Result r = audit(vkey, server);
      assertThat(r.exitCode()).as(r::describe).isZero();
      assertThat(r.stdout()).as(r::describe).contains("tree hash ok\n", "tiles ok\n");

      var v = CairnCli.run("verify", "--url", server.base().toString(), "--vkey", vkey, "--ca-cert",
          caFile().toString(), "--full");
      assertThat(v.code()).as(v.describe()).isZero();
      assertThat(v.out()).contains("size 301");
      var untrusted = CairnCli.run("verify", "--url", server.base().toString(), "--vkey", vkey);
      assertThat(untrusted.code()).as(untrusted.describe()).isNotZero();
    }
  }

  @Test
  void aWrongPinStopsTheStartNamingTheTokenAndNotThePin() throws Exception {
    String label = "pin-" + System.nanoTime();
    hsm.generateEd25519(label);
    Path pin = tmp.resolve("wrong.pin");
    Files.writeString(pin, "999999\n");
    var s = hsm.settings(tmp, Optional.empty());
    Path out = tmp.resolve("serve.log");
    try (ServerProcess server = ServerProcess.launch(tmp.resolve("data"), out, List.of(
        "--pkcs11-library", s.library().toString(), "--pkcs11-token", s.tokenLabel(),
        "--pkcs11-pin-file", pin.toString(), "--pkcs11-key", label))) {
      assertThat(server.awaitExit()).isNotZero();
      String said = Files.readString(out, UTF_8);
      assertThat(said).contains("cannot log in to the PKCS#11 token \"" + SoftHsm.TOKEN
          + "\" with the PIN in " + pin, "CKR_PIN_INCORRECT").doesNotContain("999999");
    }
  }

  @Test
  void aRotationOntoAnHsmKeyUnderWritesNeverFailsAnAuditorHoldingEitherKey() throws Exception {
    String label = "rotated-" + System.nanoTime();
    hsm.generateEd25519(label);
    Path data = tmp.resolve("data");
    Path audit = tmp.resolve("audit.jsonl");
    try (TokenIssuerAccess issuer = new TokenIssuerAccess()) {
      Instant now = Instant.now();
      String submitter = "Bearer " + issuer.ed25519(TokenIssuerAccess.claims(now, "submitter")
          .subject("writer").expirationTime(java.util.Date.from(now.plusSeconds(900))).build());
      Path adminToken = tmp.resolve("admin.jwt");
      Files.writeString(adminToken, issuer.ed25519(TokenIssuerAccess.claims(now, "admin")
          .subject("ops").expirationTime(java.util.Date.from(now.plusSeconds(900))).build()));
      List<String> opts = options(tls(), token(), List.of("--auth-jwks", issuer.jwksUrl(),
          "--auth-issuer", TokenIssuerAccess.ISSUER, "--auth-audience",
          TokenIssuerAccess.AUDIENCE, "--audit-log", audit.toString()));
      String oldKey;
      String newKey;
      Ledger ledger = new Ledger();
      try (ServerProcess server = ServerProcess.start(data, tmp.resolve("serve-1.log"), opts,
          Optional.of(ca.clientContext()));
          LogClient client = server.client(Optional.of(submitter))) {
        oldKey = Files.readAllLines(data.resolve("log.vkey"), UTF_8).get(0);
        WriteLoad load = new WriteLoad(client, ledger, "rotation", 5, WRITERS).start();
        awaitAcknowledged(load, 500);
        String url = server.base().toString();
        List<String> admin = List.of("--url", url, "--token-file", adminToken.toString(),
            "--ca-cert", caFile().toString());

        var rotate = CairnCli.run(concat(List.of("key"), admin, List.of("rotate", "--pkcs11-label",
            label)));
        assertThat(rotate.code()).as(rotate.describe()).isZero();
        newKey = JSON.readTree(rotate.out()).get("vkey").asText();
        VerifierKey oldVk = VerifierKey.parse(oldKey);
        VerifierKey newVk = VerifierKey.parse(newKey);
        assertThat(newVk.type()).isEqualTo(SignatureType.ED25519);

        // The overlap: checkpoints carry both signatures; each auditor passes with its own key.
        awaitCheckpoint(client, signedBy(oldVk).and(signedBy(newVk)));
        long overlap = load.acknowledged();
        for (String k : List.of(oldKey, newKey)) {
          GoTool.Result r = audit(k, server);
          assertThat(r.exitCode()).as(r::describe).isZero();
        }
        awaitAcknowledged(load, overlap + 300);
        var list = CairnCli.run(concat(List.of("key"), admin, List.of("list")));
        assertThat(list.code()).as(list.describe()).isZero();
        assertThat(list.out()).contains(label, "\"active\"");

        var retire = CairnCli.run(concat(List.of("key"), admin, List.of("retire", "--key-id",
            String.format("%08x", oldVk.keyId()))));
        assertThat(retire.code()).as(retire.describe()).isZero();
        awaitCheckpoint(client, signedBy(oldVk).negate());
        long retired = load.acknowledged();
        awaitAcknowledged(load, retired + 300);
        GoTool.Result withNew = audit(newKey, server);
        assertThat(withNew.exitCode()).as(withNew::describe).isZero();
        GoTool.Result withOld = audit(oldKey, server);
        assertThat(withOld.exitCode()).as(withOld::describe).isEqualTo(1);
        assertThat(withOld.stderr()).startsWith("auditor: FAIL: ");

        load.stop();
        assertThat(load.awaitStopped()).as("what the writers saw across the rotation")
            .isEmpty();
        server.kill();
      }
      assertThat(Files.readString(audit, UTF_8)).contains("\"subject\":\"ops\"",
          "key rotation: added", "key rotation: retired");

      // After a restart the HSM key signs alone, and the whole history — checkpoints by the
      // old key, by both, by the new — replays offline against the key ring.
      try (ServerProcess server = ServerProcess.start(data, tmp.resolve("serve-2.log"), opts,
          Optional.of(ca.clientContext()))) {
        GoTool.Result r = audit(newKey, server);
        assertThat(r.exitCode()).as(r::describe).isZero();
        server.kill();
      }
      var verify = CairnCli.run("verify", "--data", data.toString());
      assertThat(verify.code()).as(verify.describe()).isZero();
      assertThat(verify.out()).contains("entries: " + (ledger.lastAcknowledged() + 1) + " replayed");
    }
  }

  @SafeVarargs
  private static String[] concat(List<String>... parts) {
    List<String> out = new ArrayList<>();
    for (List<String> p : parts) {
      out.addAll(p);
    }
    return out.toArray(new String[0]);
  }

  private static Predicate<SignedNote> signedBy(VerifierKey k) {
    return n -> n.signatures().stream().anyMatch(s -> s.isBy(k.name(), k.keyId()));
  }

  private static void awaitCheckpoint(LogClient client, Predicate<SignedNote> ok)
      throws Exception {
    long end = System.nanoTime() + DEADLINE.toNanos();
    while (System.nanoTime() < end) {
      if (ok.test(SignedNote.parse(client.checkpoint()))) {
        return;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
    }
    throw new AssertionError("no such checkpoint within " + DEADLINE);
  }

  private static void awaitAcknowledged(WriteLoad load, long count) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (load.acknowledged() < count) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("only " + load.acknowledged() + " of " + count
            + " writes acknowledged within " + DEADLINE);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
    }
  }
}
