package dev.cairn.log.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.log.auth.AuthSettings;
import dev.cairn.log.auth.TokenIssuerAccess;
import dev.cairn.log.LogConfig;
import dev.cairn.log.TransparencyLog;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifierKey;
import dev.cairn.log.replay.DataDirSource;
import dev.cairn.log.replay.Progress;
import dev.cairn.log.replay.Replay;
import dev.cairn.log.sequencing.SequencerConfig;
import dev.cairn.log.keys.KeyRing;
import dev.cairn.log.testing.LogClient;
import dev.cairn.verify.LogVerifier;
import dev.cairn.verify.VerificationException;
import dev.cairn.verify.VerifiedCheckpoint;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import dev.cairn.log.auth.Profile;
import dev.cairn.log.testing.SoftHsm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Key rotation over real HTTP, with writes going on throughout: an admin rotates a new key in —
 * a new Ed25519 key file, or an Ed25519 or EC P-256 key of a real SoftHSM2 token (the move of a
 * development log onto an HSM) — and checkpoints carry both keys' signatures; a client holding
 * only the old key and one holding only the new key both verify every checkpoint of the
 * overlap; the old key is retired (the new-key client keeps verifying); and the whole history
 * still verifies from the key ring, also after a restart.
 */
class KeyRotationHttpTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration DEADLINE = Duration.ofSeconds(20);

  @TempDir Path dir;
  TokenIssuerAccess issuer;
  TransparencyLog log;
  LogServer server;
  WriteGuard guard;
  LogClient client;
  String admin;
  String submitter;

  @BeforeEach
  void start() throws Exception {
    issuer = new TokenIssuerAccess();
    log = open();
    guard = WriteGuard.jwt(AuthSettings.jwt(issuer.jwksUrl(), TokenIssuerAccess.ISSUER,
        TokenIssuerAccess.AUDIENCE), dir.resolve("audit.jsonl"), Clock.systemUTC());
    server = LogServer.start(log, HttpConfig.defaults("127.0.0.1", 0), guard);
    client = new LogClient(server.port());
    admin = "Bearer " + issuer.ed25519(TokenIssuerAccess.claims(Instant.now(), "admin")
        .subject("root").build());
    submitter = "Bearer " + issuer.ed25519(TokenIssuerAccess.claims(Instant.now(),
        "submitter").subject("writer").build());
  }

  private TransparencyLog open() throws Exception {
    return TransparencyLog.open(new LogConfig(dir.resolve("data"),
        Optional.of("example.com/rotating"), new SequencerConfig(Duration.ofMillis(5), 1024,
        65_536), Duration.ofMillis(20), Clock.systemUTC())
        .withHsm(SoftHsm.shared().settings(dir, Optional.empty())));
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    guard.close();
    log.close();
    issuer.close();
  }

  private List<VerifierKey> vkeys() throws Exception {
    return Files.readAllLines(dir.resolve("data/log.vkey"), UTF_8).stream()
        .filter(l -> !l.isBlank()).map(VerifierKey::parse).toList();
  }

  private byte[] checkpointWhere(Predicate<SignedNote> ok) throws Exception {
    long end = System.nanoTime() + DEADLINE.toNanos();
    while (System.nanoTime() < end) {
      byte[] note = client.get("/checkpoint").body();
      if (ok.test(SignedNote.parse(note))) {
        return note;
      }
      Thread.onSpinWait();
    }
    throw new AssertionError("no such checkpoint within " + DEADLINE);
  }

  private static Predicate<SignedNote> signedBy(VerifierKey k) {
    return n -> n.signatures().stream().anyMatch(s -> s.isBy(k.name(), k.keyId()));
  }

  private JsonNode post(String path, String body, String authorization, int status)
      throws Exception {
    HttpResponse<byte[]> r = client.post(path, body.getBytes(UTF_8), "Authorization",
        authorization, "Content-Type", "application/json");
    assertThat(r.statusCode()).as(new String(r.body(), UTF_8)).isEqualTo(status);
    return status == 200 ? JSON.readTree(r.body()) : null;
  }

  private List<JsonNode> audit() throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String l : Files.readAllLines(dir.resolve("audit.jsonl"), UTF_8)) {
      out.add(JSON.readTree(l));
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"file", "hsm-ed25519", "hsm-ecdsa"})
  void aRotationUnderWritesNeverFailsAClientHoldingEitherKey(String newKey) throws Exception {
    String request = switch (newKey) {
      case "file" -> "{\"type\":\"ed25519\"}";
      case "hsm-ed25519" -> {
        String label = "rotated-ed-" + System.nanoTime();
        SoftHsm.shared().generateEd25519(label);
        yield "{\"pkcs11_label\":\"" + label + "\"}";
      }
      default -> {
        String label = "rotated-ec-" + System.nanoTime();
        SoftHsm.shared().generateP256(label);
        yield "{\"type\":\"ecdsa\",\"pkcs11_label\":\"" + label + "\"}";
      }
    };
    List<VerifierKey> before = vkeys();
    VerifierKey oldEd = before.get(0);
    assertThat(oldEd.type()).isEqualTo(SignatureType.ED25519);
    LogVerifier oldClient = LogVerifier.ofLogKeys(List.of(oldEd));

    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicLong written = new AtomicLong();
    List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    Thread writer = Thread.ofVirtual().start(() -> {
      while (writing.get()) {
        HttpResponse<byte[]> r = client.post("/add", ("entry " + written.get()).getBytes(UTF_8),
            "Authorization", submitter);
        if (r.statusCode() == 200) {
          written.incrementAndGet();
        } else {
          failures.add(r.statusCode() + " " + new String(r.body(), UTF_8));
        }
      }
    });

    JsonNode added = post("/admin/keys/rotate", request, admin, 200);
    VerifierKey newEd = VerifierKey.parse(added.get("vkey").asText());
    assertThat(newEd.type()).isEqualTo(newKey.equals("hsm-ecdsa") ? SignatureType.ECDSA_P256
        : SignatureType.ED25519);
    assertThat(added.has("pkcs11_label")).isEqualTo(newKey.startsWith("hsm"));
    assertThat(newEd.name()).isEqualTo(oldEd.name());
    assertThat(newEd.keyId()).isNotEqualTo(oldEd.keyId());
    assertThat(vkeys()).contains(oldEd, newEd);
    LogVerifier newClient = LogVerifier.ofLogKeys(List.of(newEd));

    // The overlap: every checkpoint carries both signatures; both clients verify each one.
    checkpointWhere(signedBy(newEd).and(signedBy(oldEd)));
    long overlapStart = written.get();
    long lastSize = -1;
    int overlapCheckpoints = 0;
    while (overlapCheckpoints < 5) {
      byte[] note = client.get("/checkpoint").body();
      VerifiedCheckpoint a = oldClient.verifyCheckpoint(note);
      VerifiedCheckpoint b = newClient.verifyCheckpoint(note);
      assertThat(a.checkpoint()).isEqualTo(b.checkpoint());
      if (a.checkpoint().size() > lastSize) {
        lastSize = a.checkpoint().size();
        overlapCheckpoints++;
      }
    }
    assertThat(written.get()).as("writes went on during the overlap").isGreaterThan(overlapStart);

    post("/admin/keys/retire", "{\"key_id\":\"" + hex(oldEd) + "\"}", admin, 200);
    assertThat(vkeys()).contains(newEd).doesNotContain(oldEd);
    byte[] after = checkpointWhere(signedBy(oldEd).negate());
    long retiredAt = written.get();
    long end = System.nanoTime() + DEADLINE.toNanos();
    while (written.get() < retiredAt + 50 && System.nanoTime() < end) {
      Thread.onSpinWait();
    }
    writing.set(false);
    writer.join();
    assertThat(failures).as("no write failed across the rotation").isEmpty();
    assertThat(written.get()).isGreaterThan(retiredAt);

    byte[] last = checkpointWhere(n -> true);
    assertThat(newClient.verifyCheckpoint(last).checkpoint().size())
        .isGreaterThanOrEqualTo(newClient.verifyCheckpoint(after).checkpoint().size());
    assertThatThrownBy(() -> oldClient.verifyCheckpoint(last))
        .isInstanceOf(VerificationException.class).hasMessageContaining("no signature by a trusted key");

    KeyRing ring = log.keys().ring();
    assertThat(ring.keys()).hasSize(3);
    KeyRing.Entry retired = ring.keys().stream().filter(e -> e.key().equals(oldEd)).findFirst()
        .orElseThrow();
    assertThat(retired.state()).isEqualTo(KeyRing.State.RETIRED);
    assertThat(retired.retired()).isNotNull();
    // Off the development key file, the prod profile accepts the keys as they are.
    assertThat(Profile.PROD.keyProblems(ring, false)).hasSize(newKey.equals("file") ? 1 : 0);

    List<JsonNode> audit = audit();
    assertThat(audit).anySatisfy(l -> {
      assertThat(l.get("subject").asText()).isEqualTo("root");
      assertThat(l.get("reason").asText()).isEqualTo("key rotation: added " + KeyRing.describe(newEd));
    });
    assertThat(audit).anySatisfy(l ->
        assertThat(l.get("reason").asText()).isEqualTo("key rotation: retired " + KeyRing.describe(oldEd)));
    // Each change is recorded before it is made, then its outcome.
    List<String> reasons = audit.stream().map(l -> l.get("reason").asText())
        .filter(r -> r.startsWith("key rotation")).toList();
    assertThat(reasons).containsExactly(
        "key rotation starting: added " + KeyRing.describe(newEd),
        "key rotation: added " + KeyRing.describe(newEd),
        "key rotation starting: retired " + KeyRing.describe(oldEd),
        "key rotation: retired " + KeyRing.describe(oldEd));

    // The published history says which keys signed each checkpoint: the old key alone, then
    // both, then the new key alone.
    List<String> signedBy = new ArrayList<>();
    for (String cursor = ""; !cursor.equals("null"); ) {
      JsonNode page = JSON.readTree(client.get("/checkpoints?limit=1000"
          + (cursor.isEmpty() ? "" : "&after=" + cursor)).body());
      for (JsonNode c : page.get("checkpoints")) {
        String keys = c.get("signed_by").toString();
        boolean o = keys.contains(KeyRing.describe(oldEd));
        boolean n = keys.contains(KeyRing.describe(newEd));
        String state = o && n ? "both" : o ? "old" : n ? "new" : "neither";
        if (signedBy.isEmpty() || !signedBy.getLast().equals(state)) {
          signedBy.add(state);
        }
      }
      cursor = page.get("next").asText();
    }
    assertThat(signedBy).containsExactly("old", "both", "new");

    // The history holds checkpoints signed by the old key only, both, and the new key only;
    // the ring verifies them all, also after a restart.
    server.close();
    log.close();
    log = open();
    server = LogServer.start(log, HttpConfig.defaults("127.0.0.1", 0), guard);
    client = new LogClient(server.port());
    assertThat(log.keys().ring()).isEqualTo(ring);
    assertThat(newClient.verifyCheckpoint(client.get("/checkpoint").body())).isNotNull();
    server.close();
    log.close();
    try (DataDirSource source = DataDirSource.open(dir.resolve("data"))) {
      List<VerifierKey> all = source.verifierKeys().stream().map(VerifierKey::parse).toList();
      assertThat(all).contains(oldEd, newEd);
      Replay.Result r = Replay.run(source, LogVerifier.ofLogKeys(all), Progress.NONE);
      assertThat(r.entries()).isEqualTo(written.get());
    }
    log = open();
    server = LogServer.start(log, HttpConfig.defaults("127.0.0.1", 0), guard);
  }

  @Test
  void adminRoutesNeedTheAdminRoleAndSayWhatIsWrong() throws Exception {
    long ringBefore = log.keys().ring().keys().size();
    post("/admin/keys/rotate", "{\"type\":\"ed25519\"}", submitter, 403);
    assertThat(audit().getLast().get("decision").asText()).isEqualTo("deny");
    assertThat(audit().getLast().get("role").asText()).isEqualTo("admin");
    HttpResponse<byte[]> none = client.post("/admin/keys/rotate", "{}".getBytes(UTF_8));
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(client.get("/admin/keys").statusCode()).isEqualTo(401);
    assertThat(LogClient.assertError(client.post("/admin/keys/rotate",
        "{\"type\":\"rsa\"}".getBytes(UTF_8), "Authorization", admin), 400))
        .contains("\"type\" must be ed25519, ecdsa or mldsa44");
    assertThat(LogClient.assertError(client.post("/admin/keys/rotate",
        "not json".getBytes(UTF_8), "Authorization", admin), 400)).contains("not JSON");
    assertThat(LogClient.assertError(client.post("/admin/keys/rotate",
        "{\"type\":\"ecdsa\"}".getBytes(UTF_8), "Authorization", admin), 409))
        .contains("an ECDSA_P256 key lives on the PKCS#11 token: name its label");
    assertThat(LogClient.assertError(client.post("/admin/keys/rotate",
        "{\"pkcs11_alias\":\"k\"}".getBytes(UTF_8), "Authorization", admin), 400))
        .contains("unknown field \"pkcs11_alias\"");
    assertThat(LogClient.assertError(client.post("/admin/keys/rotate",
        "{\"pkcs11_label\":\"no-such-key\"}".getBytes(UTF_8), "Authorization", admin), 409))
        .contains("has no private key labelled \"no-such-key\"");
    String mlLabel = "ed-as-ecdsa-" + System.nanoTime();
    SoftHsm.shared().generateEd25519(mlLabel);
    assertThat(LogClient.assertError(client.post("/admin/keys/rotate",
        ("{\"type\":\"ecdsa\",\"pkcs11_label\":\"" + mlLabel + "\"}").getBytes(UTF_8),
        "Authorization", admin), 409)).contains("is ED25519, not ECDSA_P256");
    VerifierKey ml = vkeys().get(1);
    assertThat(LogClient.assertError(client.post("/admin/keys/retire",
        ("{\"key_id\":\"" + hex(ml) + "\"}").getBytes(UTF_8), "Authorization", admin), 409))
        .contains("would leave no active ML-DSA-44 key");
    assertThat(LogClient.assertError(client.post("/admin/keys/retire",
        "{\"key_id\":\"00000000\"}".getBytes(UTF_8), "Authorization", admin), 409))
        .contains("no active key has key ID 00000000");
    assertThat(log.keys().ring().keys()).as("nothing changed").hasSize((int) ringBefore);

    HttpResponse<byte[]> keys = client.get("/admin/keys", "Authorization", admin);
    assertThat(keys.statusCode()).isEqualTo(200);
    assertThat(KeyRing.parse(keys.body())).isEqualTo(log.keys().ring());
    HttpResponse<byte[]> config = client.get("/admin/config", "Authorization", admin);
    assertThat(config.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(config.body()).has("listen")).isTrue();
  }

  @Test
  void aRingChangedBehindTheLogsBackIsNotOverwritten() throws Exception {
    Path file = dir.resolve("data").resolve(KeyRing.FILE);
    KeyRing before = log.keys().ring();
    KeyRing byHand = before.with(KeyRing.Entry.inFile(SignerKey.generate("example.com/rotating",
        SignatureType.ED25519, new SecureRandom()).verifierKey(), "by-hand.skey", Instant.now()));
    Files.write(file, byHand.encode());

    assertThat(LogClient.assertError(client.post("/admin/keys/rotate",
        "{\"type\":\"ed25519\"}".getBytes(UTF_8), "Authorization", admin), 500))
        .contains("internal error");
    assertThat(audit().getLast().get("reason").asText()).startsWith("key rotation failed: added ")
        .contains(file + " was changed by another writer since this log loaded it");
    assertThat(KeyRing.parse(Files.readAllBytes(file))).isEqualTo(byHand);
    assertThat(log.keys().ring()).isEqualTo(before);
    assertThat(log.keys().signers()).hasSize(2);
  }

  @Test
  void aProdLogRefusesARotationOntoADevelopmentKeyFile() throws Exception {
    SoftHsm hsm = SoftHsm.shared();
    String first = "prod-first-" + System.nanoTime();
    hsm.generateEd25519(first);
    Path data = dir.resolve("prod");
    try (TransparencyLog prod = TransparencyLog.open(LogConfig.defaults(data)
            .withHsm(hsm.settings(dir, Optional.of(first))));
        LogServer s = LogServer.prepare(HttpConfig.defaults("127.0.0.1", 0)).serve(prod,
            HttpConfig.defaults("127.0.0.1", 0), guard, java.util.Map.of(),
            ring -> Profile.PROD.keyProblems(ring, false))) {
      LogClient c = new LogClient(s.port());
      KeyRing before = prod.keys().ring();
      assertThat(Profile.PROD.keyProblems(before, false)).isEmpty();
      List<Path> keyFiles;
      try (var files = Files.list(data.resolve("keys"))) {
        keyFiles = files.sorted().toList();
      }

      assertThat(LogClient.assertError(c.post("/admin/keys/rotate",
          "{\"type\":\"ed25519\"}".getBytes(UTF_8), "Authorization", admin), 409))
          .contains("refused by the key policy", "is the key file keys/log-");
      assertThat(prod.keys().ring()).isEqualTo(before);
      try (var files = Files.list(data.resolve("keys"))) {
        assertThat(files.sorted().toList()).as("no key file written").isEqualTo(keyFiles);
      }
      assertThat(audit().getLast().get("reason").asText())
          .startsWith("key rotation refused: refused by the key policy");

      // An HSM key, or an ML-DSA-44 file key (no token signs ML-DSA-44), is accepted.
      String next = "prod-next-" + System.nanoTime();
      hsm.generateEd25519(next);
      assertThat(c.post("/admin/keys/rotate", ("{\"pkcs11_label\":\"" + next + "\"}")
          .getBytes(UTF_8), "Authorization", admin).statusCode()).isEqualTo(200);
      assertThat(c.post("/admin/keys/rotate", "{\"type\":\"mldsa44\"}".getBytes(UTF_8),
          "Authorization", admin).statusCode()).isEqualTo(200);
      assertThat(prod.keys().ring().active()).hasSize(4);
    }
  }

  @Test
  void withoutAuthenticationAdminRoutesAreRefused() throws Exception {
    try (TransparencyLog open = TransparencyLog.open(LogConfig.defaults(dir.resolve("open")));
        LogServer s = LogServer.start(open, HttpConfig.defaults("127.0.0.1", 0))) {
      LogClient c = new LogClient(s.port());
      assertThat(LogClient.assertError(c.post("/admin/keys/rotate",
          "{\"type\":\"ed25519\"}".getBytes(UTF_8)), 403)).contains("need authentication");
      assertThat(open.keys().ring().keys()).hasSize(2);
    }
  }

  private static String hex(VerifierKey k) {
    return String.format("%08x", k.keyId());
  }
}
