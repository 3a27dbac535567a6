package dev.cairn.log.keys;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.log.LogConfig;
import dev.cairn.log.TransparencyLog;
import dev.cairn.log.sequencing.SequencerConfig;
import dev.cairn.log.testing.SoftHsm;
import dev.cairn.merkle.Hasher;
import dev.cairn.note.HeldEd25519Key;
import dev.cairn.note.NoteSigner;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.VerifierKey;
import dev.cairn.note.VerifierSet;
import dev.cairn.note.VerifyingSigner;
import dev.cairn.verify.LogVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PKCS#11 signer against a real SoftHSM2 token that the test makes itself: Ed25519 keys
 * sign type 0x01 note signatures, EC P-256 keys type 0x02, both verifying with the public
 * verifiers; a log created on an HSM key signs its checkpoints there (beside its ML-DSA-44 file
 * key); every way of naming a token or key wrongly fails naming what is wrong.
 */
class Pkcs11TokenTest {
  private static final String ORIGIN = "example.com/hsm-log";
  private final SoftHsm hsm = SoftHsm.shared();
  @TempDir Path dir;

  private static String label(String what) {
    return what + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** {@code signer} signs a checkpoint of {@code size} that verifies with {@code vk}. */
  private static void assertSignsVerifiably(NoteSigner signer, VerifierKey vk, long size)
      throws Exception {
    byte[] note = SignedNote.sign(new Checkpoint(ORIGIN, size, Hasher.emptyRoot()).format(),
        List.of(signer)).encode();
    assertThat(LogVerifier.ofLogKeys(List.of(vk)).verifyCheckpoint(note).checkpoint().size())
        .isEqualTo(size);
  }

  private static String checkpoint() {
    return new Checkpoint(ORIGIN, 0, Hasher.emptyRoot()).format();
  }

  @Test
  void anEd25519KeyOnTheTokenSignsNotesThatVerify() throws Exception {
    String label = label("ed");
    hsm.generateEd25519(label);
    Pkcs11Token token = Pkcs11Token.open(hsm.settings(dir, Optional.empty()));
    VerifierKey vk = token.verifierKey(ORIGIN, label);
    assertThat(vk.type()).isEqualTo(SignatureType.ED25519);
    assertThat(vk.name()).isEqualTo(ORIGIN);
    NoteSigner signer = token.signer(ORIGIN, label, Optional.of(vk));
    assertThat(signer.keyId()).isEqualTo(vk.keyId());

    byte[] note = SignedNote.sign(checkpoint(), List.of(signer)).encode();
    assertThat(SignedNote.parse(note).open(VerifierSet.ofKeys(List.of(vk))).verified())
        .singleElement().satisfies(v -> assertThat(v.type()).isEqualTo(SignatureType.ED25519));
    // The verifier key round-trips through its text form, as witnesses receive it.
    assertThat(LogVerifier.ofLogKeys(List.of(VerifierKey.parse(vk.encode())))
        .verifyCheckpoint(note).checkpoint().origin()).isEqualTo(ORIGIN);
  }

  @Test
  void anEd25519KeyOnTheTokenSignsCosignaturesThatVerify() throws Exception {
    String label = label("cosigner");
    hsm.generateEd25519(label);
    Pkcs11Token token = Pkcs11Token.open(hsm.settings(dir, Optional.empty()));
    HeldEd25519Key held = token.ed25519(label);
    assertThat(held.publicKey()).isEqualTo(token.verifierKey(ORIGIN, label).publicKey());
    assertThat(held.description()).contains("\"" + label + "\"", SoftHsm.TOKEN);
    VerifierKey vk = held.cosignatureKey("witness.example/hsm");
    assertThat(vk.type()).isEqualTo(SignatureType.COSIGNATURE_V1);
    NoteSigner cosigner = held.cosigner("witness.example/hsm", Clock.systemUTC());
    byte[] note = SignedNote.sign(checkpoint(), List.of(cosigner)).encode();
    assertThat(SignedNote.parse(note).open(VerifierSet.ofKeys(List.of(
        VerifierKey.parse(vk.encode())))).verified()).singleElement()
        .satisfies(v -> assertThat(v.timestamp()).isPresent());

    // After the token logged the process out, the wrapper logs in again and signing goes on.
    hsm.logOutThisProcess();
    assertThat(SignedNote.parse(SignedNote.sign(checkpoint(), List.of(cosigner)).encode())
        .open(VerifierSet.ofKeys(List.of(vk))).verified()).hasSize(1);

    String ec = label("ec-cosigner");
    hsm.generateP256(ec);
    assertThatThrownBy(() -> token.ed25519(ec)).isInstanceOf(IOException.class)
        .hasMessageContaining("an Ed25519 key is needed here");
    assertThatThrownBy(() -> token.ed25519("no-such-label")).isInstanceOf(IOException.class)
        .hasMessageContaining("has no private key labelled \"no-such-label\"");
  }

  @Test
  void aP256KeyOnTheTokenSignsEcdsaNotesThatVerify() throws Exception {
    String label = label("ec");
    hsm.generateP256(label);
    Pkcs11Token token = Pkcs11Token.open(hsm.settings(dir, Optional.empty()));
    VerifierKey vk = token.verifierKey(ORIGIN, label);
    assertThat(vk.type()).isEqualTo(SignatureType.ECDSA_P256);
    NoteSigner signer = token.signer(ORIGIN, label, Optional.of(vk));
    for (int i = 0; i < 20; i++) { // DER lengths vary with the leading bits of r and s
      assertSignsVerifiably(signer, vk, i);
    }
  }

  @Test
  void aLogCreatedOnAnHsmKeySignsItsCheckpointsThereAndNeedsTheTokenToStart() throws Exception {
    String label = label("log");
    hsm.generateEd25519(label);
    Path data = dir.resolve("data");
    HsmSettings settings = hsm.settings(dir, Optional.of(label));
    LogConfig config = new LogConfig(data, Optional.of(ORIGIN), new SequencerConfig(
        Duration.ofMillis(2), 256, 1000), Duration.ofMillis(20), Clock.systemUTC())
        .withHsm(settings);
    VerifierKey hsmKey;
    try (TransparencyLog log = TransparencyLog.open(config)) {
      KeyRing ring = log.keys().ring();
      assertThat(ring.keys()).hasSize(2);
      KeyRing.Entry first = ring.keys().get(0);
      assertThat(first.pkcs11Label()).isEqualTo(label);
      assertThat(first.file()).isNull();
      hsmKey = first.key();
      assertThat(hsmKey.type()).isEqualTo(SignatureType.ED25519);
      assertThat(Files.list(data.resolve("keys")).map(p -> p.getFileName().toString()))
          .as("no Ed25519 key file").containsExactlyInAnyOrder("log-mldsa44.skey", "ring.json");
      log.sequencer().add("an entry".getBytes(UTF_8)).get();
      log.publisher().publish();
      byte[] note = log.publisher().latest().note();
      LogVerifier.ofLogKeys(List.of(hsmKey)).verifyCheckpoint(note);
      assertThat(Files.readString(data.resolve("log.vkey"))).startsWith(hsmKey.encode() + "\n");
    }

    assertThatThrownBy(() -> TransparencyLog.open(new LogConfig(data, Optional.empty(),
        SequencerConfig.DEFAULT, Duration.ofSeconds(1), Clock.systemUTC())))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("the key ring lists the HSM key \"" + label + "\"")
        .hasMessageContaining("--pkcs11-library");

    try (TransparencyLog log = TransparencyLog.open(config)) {
      assertThat(log.keys().ring().keys().get(0).key()).isEqualTo(hsmKey);
      log.sequencer().add("another".getBytes(UTF_8)).get();
      log.publisher().publish();
      assertThat(LogVerifier.ofLogKeys(List.of(hsmKey))
          .verifyCheckpoint(log.publisher().latest().note()).checkpoint().size()).isEqualTo(2);
    }
  }

  @Test
  void aKeyGoneFromTheTokenStopsTheLogFromStartingNamingIt() throws Exception {
    String label = label("gone");
    hsm.generateEd25519(label);
    Path data = dir.resolve("data");
    LogConfig config = new LogConfig(data, Optional.of(ORIGIN), SequencerConfig.DEFAULT,
        Duration.ofSeconds(1), Clock.systemUTC()).withHsm(hsm.settings(dir, Optional.of(label)));
    TransparencyLog.open(config).close();
    hsm.delete(label);
    assertThatThrownBy(() -> TransparencyLog.open(config)).isInstanceOf(IOException.class)
        .hasMessageContaining("has no private key labelled \"" + label + "\"");
  }

  @Test
  void aKeyLostWhileServingStopsCheckpointsAndNothingUnsignedIsPublished() throws Exception {
    String label = label("lost");
    hsm.generateEd25519(label);
    Path data = dir.resolve("data");
    LogConfig config = new LogConfig(data, Optional.of(ORIGIN), new SequencerConfig(
        Duration.ofMillis(2), 256, 1000), Duration.ofHours(1), Clock.systemUTC())
        .withHsm(hsm.settings(dir, Optional.of(label)));
    TransparencyLog log = TransparencyLog.open(config);
    byte[] before = log.publisher().latest().note();
    hsm.delete(label);
    long index = log.sequencer().add("while the key is gone".getBytes(UTF_8)).get().index();
    assertThatThrownBy(() -> log.publisher().publish())
        .hasMessageContaining("signing with the PKCS#11 key \"" + label + "\"");
    assertThat(log.publisher().latest().note()).as("nothing published").isEqualTo(before);
    // Closing cannot publish the last checkpoint either, and says so.
    assertThatThrownBy(log::close).hasMessageContaining("signing with the PKCS#11 key");
    assertThat(index).isZero();
    assertThatThrownBy(() -> TransparencyLog.open(config))
        .hasMessageContaining("has no private key labelled \"" + label + "\"");
  }

  @Test
  void whileTheTokenCannotSignWritesAreStillAcknowledgedAndReadyzSaysWhy() throws Exception {
    String label = label("readyz");
    hsm.generateEd25519(label);
    LogConfig config = new LogConfig(dir.resolve("data"), Optional.of(ORIGIN),
        new SequencerConfig(Duration.ofMillis(2), 256, 1000), Duration.ofMillis(20),
        Clock.systemUTC()).withHsm(hsm.settings(dir, Optional.of(label)));
    TransparencyLog log = TransparencyLog.open(config);
    try (dev.cairn.log.http.LogServer server = dev.cairn.log.http.LogServer.start(log,
        dev.cairn.log.http.HttpConfig.defaults("127.0.0.1", 0))) {
      dev.cairn.log.testing.LogClient client = new dev.cairn.log.testing.LogClient(server.port());
      byte[] before = client.get("/checkpoint").body();
      hsm.delete(label);
      assertThat(client.post("/add", "still durable".getBytes(UTF_8)).statusCode())
          .isEqualTo(200);
      long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      java.net.http.HttpResponse<byte[]> ready = client.get("/readyz");
      while (ready.statusCode() == 200 && System.nanoTime() < end) {
        ready = client.get("/readyz");
      }
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(new String(ready.body(), UTF_8)).contains("publisher failing since",
          "publishing failed").doesNotContain(label);
      assertThat(log.publisher().health().fault().orElseThrow().reason())
          .contains("signing with the PKCS#11 key \"" + label + "\"");
      assertThat(client.get("/checkpoint").body()).as("nothing published").isEqualTo(before);
    } finally {
      assertThatThrownBy(log::close).hasMessageContaining("PKCS#11");
    }
  }

  @Test
  void anotherKeyUnderTheRecordedLabelIsRefused() throws Exception {
    String label = label("swapped");
    hsm.generateEd25519(label);
    Pkcs11Token token = Pkcs11Token.open(hsm.settings(dir, Optional.empty()));
    String other = label("other");
    hsm.generateEd25519(other);
    VerifierKey otherKey = token.verifierKey(ORIGIN, other);
    assertThatThrownBy(() -> token.signer(ORIGIN, label, Optional.of(otherKey)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("but the log's key ring records " + ORIGIN);
  }

  @Test
  void aTokenThatLoggedTheProcessOutIsLoggedInAgainWithTheSamePin() throws Exception {
    String label = label("relogin");
    hsm.generateEd25519(label);
    Pkcs11Token token = Pkcs11Token.open(hsm.settings(dir, Optional.empty()));
    VerifierKey vk = token.verifierKey(ORIGIN, label);
    NoteSigner signer = token.signer(ORIGIN, label, Optional.of(vk));
    for (int i = 0; i < 3; i++) {
      hsm.logOutThisProcess();
      assertThat(hsm.loggedIn()).as("logged out").isFalse();
      assertSignsVerifiably(signer, vk, i);
      assertThat(hsm.loggedIn()).as("logged in again").isTrue();
    }
  }

  @Test
  void aKeyReplacedUnderItsLabelWhileServingIsNotSignedWith() throws Exception {
    String label = label("replaced");
    hsm.generateEd25519(label);
    Pkcs11Token token = Pkcs11Token.open(hsm.settings(dir, Optional.empty()));
    VerifierKey vk = token.verifierKey(ORIGIN, label);
    NoteSigner signer = token.signer(ORIGIN, label, Optional.of(vk));
    hsm.delete(label);
    hsm.generateEd25519(label);
    assertThatThrownBy(() -> signer.sign(checkpoint().getBytes(UTF_8)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("the PKCS#11 key \"" + label + "\"")
        .hasMessageContaining("changed to " + ORIGIN);
  }

  @Test
  void aSignatureThatDoesNotVerifyWithTheRecordedKeyIsNeverReturned() throws Exception {
    String label = label("faulty");
    hsm.generateEd25519(label);
    Pkcs11Token token = Pkcs11Token.open(hsm.settings(dir, Optional.empty()));
    String other = label("recorded");
    hsm.generateEd25519(other);
    assertSignsVerifiably(new VerifyingSigner(token.verifierKey(ORIGIN, label),
        token.key(ORIGIN, label)), token.verifierKey(ORIGIN, label), 0);
    // A token that signs with the key under one label while the log recorded another.
    NoteSigner faulty = new VerifyingSigner(token.verifierKey(ORIGIN, other),
        token.key(ORIGIN, label));
    assertThatThrownBy(() -> SignedNote.sign(checkpoint(), List.of(faulty)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("the PKCS#11 key \"" + label + "\"")
        .hasMessageContaining("returned a signature that does not verify with " + ORIGIN);
  }

  @Test
  void wrongSettingsFailNamingWhatIsWrong() throws Exception {
    HsmSettings good = hsm.settings(dir, Optional.empty());
    assertThatThrownBy(() -> Pkcs11Token.open(new HsmSettings(dir.resolve("nope.so"),
        SoftHsm.TOKEN, good.pinFile(), Optional.empty())))
        .hasMessageContaining("the PKCS#11 module " + dir.resolve("nope.so") + " does not exist");
    assertThatThrownBy(() -> Pkcs11Token.open(new HsmSettings(good.library(), "no-such-token",
        good.pinFile(), Optional.empty())))
        .hasMessageContaining("has no token labelled \"no-such-token\"")
        .hasMessageContaining("\"" + SoftHsm.TOKEN + "\"");
    assertThatThrownBy(() -> Pkcs11Token.open(new HsmSettings(good.library(), SoftHsm.TOKEN,
        dir.resolve("missing.pin"), Optional.empty())))
        .hasMessageContaining("the PKCS#11 PIN file " + dir.resolve("missing.pin")
            + " does not exist");
    // A wrong PIN in a process of its own gets CKR_PIN_INCORRECT (HsmTlsDrillTest, interop); in
    // this one the token is logged in already, which PKCS#11 would let any PIN reuse.
    Pkcs11Token.open(good);
    Path wrong = dir.resolve("wrong.pin");
    Files.writeString(wrong, "000000\n");
    assertThatThrownBy(() -> Pkcs11Token.open(new HsmSettings(good.library(), SoftHsm.TOKEN,
        wrong, Optional.empty())))
        .hasMessageContaining("cannot log in to the PKCS#11 token \"" + SoftHsm.TOKEN + "\"")
        .hasMessageContaining("with another PIN")
        .hasMessageNotContaining("000000");
    // The PIN is the first line without surrounding white space, whatever the line ending.
    Path spaced = dir.resolve("spaced.pin");
    Files.writeString(spaced, " " + Files.readAllLines(good.pinFile()).get(0) + " \r\nignored");
    assertThat(Pkcs11Token.open(new HsmSettings(good.library(), SoftHsm.TOKEN, spaced,
        Optional.empty()))).isSameAs(Pkcs11Token.open(good));
    Path empty = dir.resolve("empty.pin");
    Files.writeString(empty, "  \n1234\n");
    assertThatThrownBy(() -> Pkcs11Token.open(new HsmSettings(good.library(), SoftHsm.TOKEN,
        empty, Optional.empty()))).hasMessageContaining("the PKCS#11 PIN file " + empty
        + " is empty");
    Pkcs11Token token = Pkcs11Token.open(good);
    assertThatThrownBy(() -> token.verifierKey(ORIGIN, "no-such-key"))
        .hasMessageContaining("has no private key labelled \"no-such-key\"");
  }
}
