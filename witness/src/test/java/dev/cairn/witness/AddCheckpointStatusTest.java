package dev.cairn.witness;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifiedNote;
import dev.cairn.note.VerifierSet;
import dev.cairn.witnessing.AddCheckpoint;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every answer of {@code POST /add-checkpoint}, one case each, on a real server with real
 * checkpoints of a real Merkle tree; each refusal names what was wrong on one line and changes
 * nothing.
 */
class AddCheckpointStatusTest {
  @TempDir Path tmp;
  private final TestLog log = new TestLog("example.com/log");
  private final TestLog other = new TestLog("example.com/other");
  private RunningWitness w;

  @BeforeEach
  void start() throws Exception {
    Path logs = tmp.resolve("logs.policy");
    Files.writeString(logs, log.logLines() + other.logLines());
    w = new RunningWitness(tmp.resolve("data"), logs);
  }

  @AfterEach
  void stop() throws Exception {
    w.close();
  }

  @Test
  void firstCheckpointIsCosignedByBothKeysAndStored() throws Exception {
    long before = Clock.systemUTC().instant().getEpochSecond();
    RunningWitness.Answer a = w.post(log.request(0, 5));
    assertThat(a.status()).as(a.body()).isEqualTo(200);
    assertThat(a.raw().headers().firstValue("Content-Type")).hasValueSatisfying(
        t -> assertThat(t).startsWith("text/plain"));
    assertThat(a.body().lines()).hasSize(2).allSatisfy(l -> assertThat(l)
        .startsWith("\u2014 witness.example/w1 "));
    VerifiedNote v = cosigned(log.note(5), a.body());
    assertThat(v.verified()).extracting(VerifiedNote.Verified::type).containsExactly(
        SignatureType.COSIGNATURE_V1, SignatureType.MLDSA44_SUBTREE_V1);
    for (VerifiedNote.Verified s : v.verified()) {
      assertThat(s.timestamp().getAsLong()).isBetween(before,
          Clock.systemUTC().instant().getEpochSecond());
    }
    assertThat(w.witness.size(log.origin)).isEqualTo(5);

    RunningWitness.Answer latest = w.get("/" + CosignedState.fileName(log.origin)
        + "/checkpoint");
    assertThat(latest.status()).isEqualTo(200);
    SignedNote stored = SignedNote.parse(latest.body().getBytes(StandardCharsets.UTF_8));
    assertThat(Checkpoint.parse(stored.text()).size()).isEqualTo(5);
    // The log's two signatures, then the witness's two cosignatures, all verifying.
    assertThat(stored.open(VerifierSet.ofKeys(List.of(log.ed25519.verifierKey(),
        log.mlDsa.verifierKey()))).verified()).hasSize(2);
    assertThat(stored.open(VerifierSet.ofKeys(w.witness.keys().verifierKeys())).verified())
        .hasSize(2);
  }

  @Test
  void growingAndRepeatingTheSameCheckpointAreCosigned() throws Exception {
    assertThat(w.post(log.request(0, 1)).status()).isEqualTo(200);
    assertThat(w.post(log.request(1, 7)).status()).isEqualTo(200);
    assertThat(w.post(log.request(7, 7)).status()).isEqualTo(200);
    assertThat(w.post(log.request(7, 300)).status()).isEqualTo(200);
    assertThat(w.witness.size(log.origin)).isEqualTo(300);
  }

  @Test
  void emptyTreeIsCosignedWithItsRoot() throws Exception {
    assertThat(w.post(log.request(0, 0)).status()).isEqualTo(200);
    assertThat(w.post(log.request(0, 3)).status()).isEqualTo(200);
  }

  @Test
  void unknownOriginIs404() throws Exception {
    TestLog stranger = new TestLog("example.com/stranger");
    expect(w.post(stranger.request(0, 3)), 404, "unknown log", "example.com/stranger");
  }

  @Test
  void noTrustedSignatureIs403() throws Exception {
    SignerKey impostor = SignerKey.generate(log.origin, SignatureType.ED25519,
        new SecureRandom());
    byte[] note = TestLog.signed(new Checkpoint(log.origin, 3, log.tree.root(0)).format(),
        List.of(impostor));
    expect(w.post(new AddCheckpoint(0, List.of(), note).encode()), 403, "no signature");
  }

  @Test
  void aFailingSignatureOfATrustedKeyIs403() throws Exception {
    SignedNote good = SignedNote.parse(log.note(3));
    var sigs = new ArrayList<>(good.signatures());
    byte[] bad = sigs.get(0).signature();
    bad[10] ^= 1;
    sigs.set(0, new dev.cairn.note.NoteSignature(sigs.get(0).name(), sigs.get(0).keyId(), bad));
    StringBuilder note = new StringBuilder(good.text()).append('\n');
    sigs.forEach(s -> note.append(s.line()).append('\n'));
    expect(w.post(new AddCheckpoint(0, List.of(), note.toString()
        .getBytes(StandardCharsets.UTF_8)).encode()), 403, "does not verify");
  }

  @Test
  void oldLargerThanSizeIs400() throws Exception {
    expect(w.post(new AddCheckpoint(9, List.of(), log.note(5)).encode()), 400,
        "old size 9 is larger than the checkpoint size 5");
  }

  @Test
  void malformedBodiesAre400() throws Exception {
    expect(w.post("hello\n".getBytes(StandardCharsets.UTF_8)), 400, "old <size>");
    expect(w.post("old 01\n\n".getBytes(StandardCharsets.UTF_8)), 400, "leading");
    expect(w.post(("old 0\n\n" + new Checkpoint(log.origin, 1, log.tree.root(0)).format())
        .getBytes(StandardCharsets.UTF_8)), 400, "malformed checkpoint");
    List<Hash> proof = Collections.nCopies(64, Hasher.emptyRoot());
    StringBuilder body = new StringBuilder("old 1\n");
    proof.forEach(h -> body.append(h.toBase64()).append('\n'));
    body.append('\n').append(TestLog.text(log.note(2)));
    expect(w.post(body.toString().getBytes(StandardCharsets.UTF_8)), 400, "more than 63");
  }

  @Test
  void bodiesOver128KiBAre413EvenChunked() throws Exception {
    byte[] big = new byte[AddCheckpoint.MAX_BODY + 1];
    java.util.Arrays.fill(big, (byte) 'a');
    expect(w.post(big), 413, "larger than");
    HttpRequest chunked = HttpRequest.newBuilder(w.uri("/add-checkpoint")).POST(
        HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofByteArray(big)))
        .build();
    expect(w.send(chunked), 413, "larger than");
    // The connection is still good for the next request.
    assertThat(w.post(log.request(0, 2)).status()).isEqualTo(200);
  }

  @Test
  void staleOldSizeIs409WithTheStoredSize() throws Exception {
    RunningWitness.Answer never = w.post(log.request(2, 5));
    assertThat(never.status()).isEqualTo(409);
    assertThat(never.body()).isEqualTo("0\n");
    assertThat(never.raw().headers().firstValue("Content-Type")).hasValue("text/x.tlog.size");
    assertThat(w.post(log.request(0, 5)).status()).isEqualTo(200);
    RunningWitness.Answer stale = w.post(log.request(3, 8));
    assertThat(stale.status()).isEqualTo(409);
    assertThat(stale.body()).isEqualTo("5\n");
    assertThat(AddCheckpoint.parseSizeBody(stale.raw().body())).hasValue(5);
    assertThat(w.post(log.request(0, 8)).status()).isEqualTo(409);
  }

  @Test
  void sizeZeroWithAnotherRootIs422AndKeptAsEvidence() throws Exception {
    byte[] note = log.note(0, Hasher.threadLocal().leaf(new byte[] {1}));
    expect(w.post(new AddCheckpoint(0, List.of(), note).encode()), 422, "empty tree");
    assertThat(evidence()).contains("bad-empty-root");
  }

  @Test
  void oldZeroWithAProofIs422() throws Exception {
    expect(w.post(new AddCheckpoint(0, List.of(Hasher.emptyRoot()), log.note(4)).encode()),
        422, "old size 0 needs an empty proof");
    assertThat(w.witness.size(log.origin)).isZero();
  }

  @Test
  void aFailingProofIs422AndKeptAsEvidence() throws Exception {
    assertThat(w.post(log.request(0, 5)).status()).isEqualTo(200);
    List<Hash> proof = new ArrayList<>(log.tree.consistency(5, 9));
    proof.set(0, Hasher.emptyRoot());
    expect(w.post(new AddCheckpoint(5, proof, log.note(9)).encode()), 422, "fails");
    // A fork: a size-9 tree that does not extend the cosigned size-5 one.
    expect(w.post(new AddCheckpoint(5, log.tree.consistency(5, 9), log.note(9,
        Hasher.threadLocal().leaf(new byte[] {9}))).encode()), 422, "fails");
    assertThat(w.witness.size(log.origin)).isEqualTo(5);
    String evidence = evidence();
    assertThat(evidence).contains("inconsistent-proof");
    assertThat(evidence.split("\"kind\"", -1)).hasSize(3);
    assertThat(w.metrics.scrape()).asString(StandardCharsets.UTF_8).contains(
        "cairn_witness_fork_evidence_total{kind=\"inconsistent-proof\",origin=\"example.com/log\"} 2");
  }

  @Test
  void sameSizeWithAnotherRootIs422AndKeptAsEvidence() throws Exception {
    assertThat(w.post(log.request(0, 5)).status()).isEqualTo(200);
    byte[] forked = log.note(5, Hasher.threadLocal().leaf(new byte[] {7}));
    expect(w.post(new AddCheckpoint(5, List.of(), forked).encode()), 422,
        "size 5 was cosigned with root");
    // The same offered note again is kept once.
    expect(w.post(new AddCheckpoint(5, List.of(), forked).encode()), 422, "size 5");
    String evidence = evidence();
    assertThat(evidence.split("same-size-other-root", -1)).hasSize(2);
    assertThat(evidence).contains(TestLog.text(forked).replace("\n", "\\n").substring(0, 40));
  }

  @Test
  void evidenceIsListedForOneLogOnRequestAndAfterEachNewRecord() throws Exception {
    assertThat(w.post(log.request(0, 5)).status()).isEqualTo(200);
    expect(w.post(new AddCheckpoint(5, List.of(),
        log.note(5, Hasher.threadLocal().leaf(new byte[] {1}))).encode()), 422, "size 5");
    assertThat(evidence().split("same-size-other-root", -1)).hasSize(2); // cached now
    expect(w.post(new AddCheckpoint(5, List.of(),
        log.note(5, Hasher.threadLocal().leaf(new byte[] {2}))).encode()), 422, "size 5");
    assertThat(evidence().split("same-size-other-root", -1)).as("a new record shows at once")
        .hasSize(3);
    String hex = CosignedState.fileName(log.origin);
    assertThat(w.get("/evidence?origin=" + hex).body().split("same-size-other-root", -1))
        .hasSize(3);
    assertThat(w.get("/evidence?origin=" + "0".repeat(64)).body()).isEqualTo("[ ]");
    expect(w.get("/evidence?origin=example.com"), 400, "lowercase hex SHA-256");
  }

  @Test
  void aProofBetweenEqualSizesMustBeEmpty() throws Exception {
    assertThat(w.post(log.request(0, 5)).status()).isEqualTo(200);
    expect(w.post(new AddCheckpoint(5, List.of(Hasher.emptyRoot()), log.note(5)).encode()),
        422, "to itself is empty");
  }

  @Test
  void checkpointOfAnUnseenLogIs404() throws Exception {
    expect(w.get("/" + CosignedState.fileName(other.origin) + "/checkpoint"), 404,
        "cosigned no checkpoint");
    expect(w.get("/nothing-here"), 404, "no such resource");
  }

  @Test
  void wrongMethodIs405() throws Exception {
    expect(w.get("/add-checkpoint"), 405, "use POST");
  }

  @Test
  void statusRoutesAnswer() throws Exception {
    assertThat(w.post(log.request(0, 12)).status()).isEqualTo(200);
    assertThat(w.get("/healthz").status()).isEqualTo(200);
    assertThat(w.get("/readyz").body()).isEqualTo("ready\n");
    RunningWitness.Answer m = w.get("/metrics");
    assertThat(m.status()).isEqualTo(200);
    assertThat(m.body()).contains("cairn_witness_cosigned_size{origin=\"example.com/log\"} 12")
        .contains("cairn_witness_requests_total{code=\"200\",route=\"add-checkpoint\"} 1")
        .contains("cairn_witness_cosign_seconds_count 1");
  }

  @Test
  void eachLogHasARateLimit(@TempDir Path other) throws Exception {
    Path logs = other.resolve("logs");
    Files.writeString(logs, log.logLines() + this.other.logLines());
    try (RunningWitness slow = new RunningWitness(other.resolve("data"), logs, 1,
        Clock.systemUTC())) {
      // Bursts of twice the rate: 2 requests pass, the third waits.
      assertThat(slow.post(log.request(0, 1)).status()).isEqualTo(200);
      assertThat(slow.post(log.request(1, 2)).status()).isEqualTo(200);
      RunningWitness.Answer third = slow.post(log.request(2, 3));
      expect(third, 429, "too many requests");
      assertThat(third.raw().headers().firstValue("Retry-After")).hasValue("1");
      // Another log has its own budget.
      assertThat(slow.post(this.other.request(0, 1)).status()).isEqualTo(200);
    }
  }

  @Test
  void eachClientAddressHasARateLimitThatForgeriesUseUp(@TempDir Path other) throws Exception {
    Path logs = other.resolve("logs");
    Files.writeString(logs, log.logLines());
    try (RunningWitness slow = new RunningWitness(other.resolve("data"), logs, 0, 1,
        Clock.systemUTC())) {
      // Requests nobody signed count too: they cost a signature check each.
      byte[] forged = dev.cairn.note.SignedNote.sign(new Checkpoint(log.origin, 1,
          log.tree.root(1)).format(), List.of(dev.cairn.note.SignerKey.generate(log.origin,
              dev.cairn.note.SignatureType.ED25519, new java.security.SecureRandom()).signer()))
          .encode();
      expect(slow.post(new AddCheckpoint(0, List.of(), forged).encode()), 403, "no signature");
      assertThat(slow.post(log.request(0, 1)).status()).isEqualTo(200);
      RunningWitness.Answer third = slow.post(log.request(1, 2));
      expect(third, 429, "too many requests for client address 127.0.0.1");
      assertThat(third.raw().headers().firstValue("Retry-After")).hasValue("1");
      assertThat(slow.witness.size(log.origin)).isEqualTo(1);
    }
  }

  private String evidence() throws Exception {
    RunningWitness.Answer e = w.get("/evidence");
    assertThat(e.status()).isEqualTo(200);
    return e.body();
  }

  /** Asserts the status, a one-line body naming the problem, and that nothing was cosigned. */
  static void expect(RunningWitness.Answer a, int status, String... says) {
    assertThat(a.status()).as(a.body()).isEqualTo(status);
    assertThat(a.body()).endsWith("\n").doesNotContain("\r");
    assertThat(a.body().lines()).hasSize(1);
    for (String s : says) {
      assertThat(a.body()).contains(s);
    }
  }

  private VerifiedNote cosigned(byte[] note, String cosignatures) {
    return cosigned(note, cosignatures, VerifierSet.ofKeys(w.witness.keys().verifierKeys()));
  }

  /** The checkpoint of {@code note} with the cosignature lines of an answer, verified. */
  static VerifiedNote cosigned(byte[] note, String cosignatures, VerifierSet witness) {
    String text = SignedNote.parse(note).text();
    return SignedNote.parse((text + "\n" + cosignatures).getBytes(StandardCharsets.UTF_8))
        .open(witness);
  }
}
