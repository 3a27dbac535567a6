package dev.cairn.monitor.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import dev.cairn.note.NoteSignature;
import dev.cairn.note.SignedNote;
import dev.cairn.note.VerifierKey;
import dev.cairn.policy.Policy;
import dev.cairn.read.Divergence;
import dev.cairn.read.HttpLogReader;
import dev.cairn.read.Replay;
import dev.cairn.verify.LogVerifier;
import dev.cairn.verify.VerificationException;
import dev.cairn.verify.VerificationException.Reason;
import dev.cairn.verify.VerifiedCheckpoint;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The rogue log does what it claims, as the verifier library sees it. */
class RogueLogTest {
  private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

  private RogueLog log;
  private HttpLogReader reader;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws IOException {
    log = RogueLog.builder().seed(42).witnesses("w1", "w2")
        .clock(Clock.fixed(NOW, ZoneOffset.UTC)).start();
    reader = HttpLogReader.open(log.url());
  }

  @AfterEach
  void stop() throws IOException {
    reader.close();
    http.close();
    log.close();
  }

  private LogVerifier verifier(String quorum) {
    return LogVerifier.of(Policy.parse(log.policy(quorum)));
  }

  private VerifiedCheckpoint verified() throws Exception {
    return verifier("none").verifyCheckpoint(reader.checkpoint());
  }

  private Hash replay(long from, long to, Hash root) throws Exception {
    return Replay.of(reader).checking(Replay.Checkpoints.of(Map.of(to, root))).run(from, to);
  }

  @Test
  void healthyLogVerifiesReplaysAndStaysConsistent() throws Exception {
    assertThat(log.url().toString()).matches("http://127\\.0\\.0\\.1:\\d+/");
    assertThat(log.vkey()).isEqualTo(RogueLog.logKey(RogueLog.DEFAULT_ORIGIN, 42).encode());
    assertThat(log.witnessVkey("w2")).isEqualTo(RogueLog.witnessKey("w2", 42).encode());

    log.grow(1000);
    VerifiedCheckpoint first = verifier("w1").verifyCheckpoint(reader.checkpoint());
    assertThat(first.witnesses()).containsExactlyInAnyOrder("w1", "w2");
    assertThat(first.checkpoint().size()).isEqualTo(1000).isEqualTo(log.size());
    assertThat(first.checkpoint().root()).isEqualTo(log.root());
    assertThat(replay(0, 1000, log.root())).isEqualTo(log.root());

    RogueLog.Status grown = log.grow(300);
    VerifiedCheckpoint second = verified();
    assertThat(second.checkpoint().size()).isEqualTo(1300).isEqualTo(grown.size());
    assertThat(replay(1000, 1300, grown.root())).isEqualTo(grown.root());
    assertThat(replay(0, 1300, grown.root())).isEqualTo(grown.root());
    verifier("none").verifyConsistency(first, second, reader.consistencyProof(1000, 1300));
    // The partial objects of the earlier size are still served, as tlog-tiles says.
    assertThat(reader.readBundle(new dev.cairn.tile.EntryBundle(3, 232))).isNotEmpty();

    VerifiedCheckpoint atWitness = verifier("w1").verifyCheckpoint(get(log.witnessCheckpointUrl(
        "w1")).body());
    assertThat(atWitness.checkpoint()).isEqualTo(second.checkpoint());
    assertThat(atWitness.witnesses()).containsExactly("w1");
  }

  @Test
  void entriesComeFromTheCallerWhenGiven() throws Exception {
    try (RogueLog own = RogueLog.builder().entries(i -> new byte[] {(byte) i}).size(3).start();
        HttpLogReader r = HttpLogReader.open(own.url())) {
      own.append(List.of("x".getBytes(), "y".getBytes()));
      assertThat(r.entries(new dev.cairn.tile.EntryBundle(0, 5)))
          .containsExactly(new byte[] {0}, new byte[] {1}, new byte[] {2}, "x".getBytes(),
              "y".getBytes());
    }
  }

  @ParameterizedTest
  @EnumSource(RogueLog.Corruption.class)
  void badRootTilesAreCaughtByTheReplay(RogueLog.Corruption how) throws Exception {
    log.grow(600);
    Hash root = log.root();
    log.badRootTiles(how);
    assertThat(verified().checkpoint().root()).as("the checkpoint is untouched").isEqualTo(root);
    assertThatThrownBy(() -> replay(0, 600, root)).isInstanceOf(Divergence.class)
        .hasMessageContaining(how == RogueLog.Corruption.LEVEL_1 ? "tile/1/000.p/2"
            : "entry 599");
    log.repair();
    assertThat(replay(0, 600, root)).isEqualTo(root);
  }

  @Test
  void aForkIsCoherentButNotConsistentWithWhatCameBefore() throws Exception {
    log.grow(100);
    VerifiedCheckpoint before = verified();
    log.fork(50);
    VerifiedCheckpoint after = verifier("w1").verifyCheckpoint(reader.checkpoint());
    assertThat(after.checkpoint().size()).isEqualTo(150);
    assertThat(replay(0, 150, after.checkpoint().root())).isEqualTo(after.checkpoint().root());
    List<Hash> proof = reader.consistencyProof(100, 150);
    assertThatThrownBy(() -> verifier("none").verifyConsistency(before, after, proof))
        .isInstanceOfSatisfying(VerificationException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.INCONSISTENT));

    log.fork(0);
    VerifiedCheckpoint sameSize = verified();
    assertThat(sameSize.checkpoint().size()).isEqualTo(150);
    assertThat(sameSize.checkpoint().root()).isNotEqualTo(after.checkpoint().root());
  }

  @Test
  void aSplitViewShowsTheWitnessAnotherValidCheckpointOfTheSameSize() throws Exception {
    log.grow(40);
    Checkpoint held = log.splitView();
    VerifiedCheckpoint logs = verified();
    LogVerifier logKeyOnly = LogVerifier.ofLogKeys(List.of(log.verifierKey()));
    VerifiedCheckpoint witnessView = logKeyOnly.verifyCheckpoint(
        get(log.witnessCheckpointUrl("w1")).body());
    assertThat(witnessView.checkpoint()).isEqualTo(held);
    assertThat(verifier("w1").verifyCheckpoint(get(log.witnessCheckpointUrl("w1")).body())
        .witnesses()).containsExactly("w1");
    assertThat(witnessView.checkpoint().size()).isEqualTo(logs.checkpoint().size()).isEqualTo(40);
    assertThat(witnessView.checkpoint().root()).isNotEqualTo(logs.checkpoint().root());
    assertThat(verifier("none").verifyCheckpoint(get(log.witnessCheckpointUrl("w2")).body())
        .checkpoint()).as("the other witness holds the log's").isEqualTo(logs.checkpoint());
  }

  @Test
  void aSplitViewAheadIsLargerAndNeverConsistentWithTheLog() throws Exception {
    log.grow(40);
    Checkpoint ahead = log.splitView("w2", 10);
    VerifiedCheckpoint atWitness = verifier("w2").verifyCheckpoint(
        get(log.witnessCheckpointUrl("w2")).body());
    assertThat(atWitness.checkpoint()).isEqualTo(ahead);
    assertThat(ahead.size()).isEqualTo(50);
    log.grow(10);
    assertThat(log.size()).isEqualTo(50);
    assertThat(log.root()).isNotEqualTo(ahead.root());
    assertThatThrownBy(() -> verifier("none").verifyConsistency(verified(), atWitness, List.of()))
        .isInstanceOf(VerificationException.class);
  }

  @Test
  void aBadSignatureParsesButDoesNotVerify() throws Exception {
    log.grow(10);
    log.badSignature();
    byte[] note = reader.checkpoint();
    assertThat(SignedNote.parse(note).text()).isEqualTo(
        new Checkpoint(log.origin(), 10, log.root()).format());
    assertThatThrownBy(() -> verifier("none").verifyCheckpoint(note))
        .isInstanceOfSatisfying(VerificationException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.BAD_SIGNATURE));
    assertThat(verifier("w1").verifyCheckpoint(get(log.witnessCheckpointUrl("w1")).body())
        .checkpoint().size()).as("the witness holds the good note").isEqualTo(10);
    log.grow(5);
    assertThatThrownBy(() -> verifier("none").verifyCheckpoint(reader.checkpoint()))
        .as("it stays bad as the log grows").isInstanceOf(VerificationException.class);
    log.repair();
    assertThat(verified().checkpoint().size()).isEqualTo(15);
  }

  @Test
  void cosignaturesCanBeStaleOrFromTheFuture() throws Exception {
    log.grow(10);
    assertThat(cosignedAt("w1", reader.checkpoint())).isEqualTo(NOW);
    log.stale(Duration.ofHours(2));
    assertThat(cosignedAt("w1", reader.checkpoint())).isEqualTo(NOW.minus(Duration.ofHours(2)));
    assertThat(cosignedAt("w2", get(log.witnessCheckpointUrl("w2")).body()))
        .isEqualTo(NOW.minus(Duration.ofHours(2)));
    assertThat(verifier("w1").verifyCheckpoint(reader.checkpoint()).witnesses())
        .as("still valid cosignatures").containsExactlyInAnyOrder("w1", "w2");
    log.futureCosignature(Duration.ofMinutes(10));
    assertThat(cosignedAt("w2", reader.checkpoint())).isEqualTo(NOW.plus(Duration.ofMinutes(10)));
    log.repair();
    assertThat(cosignedAt("w2", reader.checkpoint())).isEqualTo(NOW);
  }

  @Test
  void withheldCosignaturesLeaveTheWitnessWithItsLastCheckpoint() throws Exception {
    log.grow(10);
    log.cosigners("w1");
    log.grow(5);
    assertThat(verified().witnesses()).containsExactly("w1");
    assertThatThrownBy(() -> verifier("w2").verifyCheckpoint(reader.checkpoint()))
        .isInstanceOfSatisfying(VerificationException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.QUORUM_NOT_MET));
    assertThat(verifier("w2").verifyCheckpoint(get(log.witnessCheckpointUrl("w2")).body())
        .checkpoint().size()).isEqualTo(10);
  }

  @Test
  void downAndFailNextAnswerWithTheStatusAndAreCounted() throws Exception {
    log.grow(10);
    URI checkpoint = log.url().resolve("checkpoint");
    log.down(503);
    assertThat(get(checkpoint).statusCode()).isEqualTo(503);
    assertThat(get(log.url().resolve("tile/0/000.p/10")).statusCode()).isEqualTo(503);
    assertThat(get(log.witnessCheckpointUrl("w1")).statusCode()).isEqualTo(503);
    assertThatThrownBy(reader::checkpoint).isInstanceOf(IOException.class)
        .hasMessageContaining("answered 503");
    log.up();
    assertThat(get(checkpoint).statusCode()).isEqualTo(200);

    log.failNext(2, 500);
    assertThat(List.of(get(checkpoint).statusCode(), get(checkpoint).statusCode(),
        get(checkpoint).statusCode())).containsExactly(500, 500, 200);
    assertThat(log.requests("checkpoint")).isEqualTo(6);
    assertThat(log.requests("tile/0/000.p/10")).isEqualTo(1);
    assertThat(log.requests()).containsEntry("witness/w1/" + log.originHash() + "/checkpoint", 1L);
    assertThat(log.totalRequests()).isEqualTo(8);

    log.resetRequests();
    assertThat(get(log.url().resolve("tile/9/999")).statusCode()).isEqualTo(404);
    assertThat(log.totalRequests()).isEqualTo(1);
  }

  @Test
  void droppedConnectionsFailTheReadUntilUp() throws Exception {
    log.grow(10);
    log.dropConnections();
    assertThatThrownBy(reader::checkpoint).isInstanceOf(IOException.class)
        .isNotInstanceOf(dev.cairn.read.MalformedObjectException.class)
        .hasMessageContaining("checkpoint failed");
    assertThat(log.requests("checkpoint")).isPositive();
    log.up();
    assertThat(verified().checkpoint().size()).isEqualTo(10);
  }

  @Test
  void mutatorsAreSafeWhileClientsRead() throws Exception {
    Thread grower = Thread.ofVirtual().start(() -> {
      for (int i = 0; i < 50; i++) {
        log.grow(7);
      }
    });
    long seen = 0;
    while (grower.isAlive() || seen < 350) {
      VerifiedCheckpoint cp = verified();
      assertThat(cp.checkpoint().size()).isGreaterThanOrEqualTo(seen);
      seen = cp.checkpoint().size();
      assertThat(reader.treeHash(seen)).isEqualTo(cp.checkpoint().root());
    }
    grower.join();
    assertThat(seen).isEqualTo(350);
  }

  @Test
  void runsAsAProcessDrivenOverStdin(@TempDir Path dir) throws Exception {
    Path state = dir.resolve("state");
    String root;
    try (RogueLogProcess p = RogueLogProcess.start("--port", "0", "--seed", "7", "--witness",
        "w1", "--state-file", state.toString())) {
      JsonNode ready = p.ready();
      assertThat(ready.get("vkey").asText())
          .isEqualTo(RogueLog.logKey(RogueLog.DEFAULT_ORIGIN, 7).encode());
      assertThat(ready.get("witnesses").get(0).get("vkey").asText())
          .isEqualTo(RogueLog.witnessKey("w1", 7).encode());
      assertThat(ready.get("size").asLong()).isZero();

      JsonNode grown = p.command("grow 10");
      assertThat(grown.get("ok").asBoolean()).isTrue();
      assertThat(grown.get("size").asLong()).isEqualTo(10);
      root = grown.get("root").asText();
      try (HttpLogReader r = HttpLogReader.open(URI.create(ready.get("url").asText()))) {
        Policy policy = Policy.parse("log " + ready.get("vkey").asText() + "\nwitness w1 "
            + ready.get("witnesses").get(0).get("vkey").asText() + "\nquorum w1\n");
        VerifiedCheckpoint cp = LogVerifier.of(policy).verifyCheckpoint(r.checkpoint());
        assertThat(cp.checkpoint().size()).isEqualTo(10);
        assertThat(cp.checkpoint().root().toBase64()).isEqualTo(root);
      }
      JsonNode bad = p.command("frobnicate 3");
      assertThat(bad.get("ok").asBoolean()).isFalse();
      assertThat(bad.get("error").asText()).contains("frobnicate");
      assertThat(p.command("split-view").get("witness").get("size").asLong()).isEqualTo(10);
      assertThat(p.command("requests checkpoint").get("requests").asLong()).isEqualTo(1);
      assertThat(p.quit()).isZero();
    }
    assertThat(Files.readAllLines(state)).containsExactly("grow 10", "split-view");
    try (RogueLogProcess again = RogueLogProcess.start("--seed", "7", "--witness", "w1",
        "--state-file", state.toString())) {
      assertThat(again.ready().get("replayed").asInt()).isEqualTo(2);
      assertThat(again.ready().get("size").asLong()).isEqualTo(10);
      assertThat(again.ready().get("root").asText()).isEqualTo(root);
      assertThat(again.quit()).isZero();
    }
  }

  @Test
  void theCliParsesDurations() {
    assertThat(RogueLogCli.duration(new String[] {"stale", "2h"}, 1)).hasHours(2);
    assertThat(RogueLogCli.duration(new String[] {"stale", "500ms"}, 1)).hasMillis(500);
    assertThat(RogueLogCli.duration(new String[] {"stale", "PT90M"}, 1)).hasMinutes(90);
    assertThatThrownBy(() -> RogueLogCli.duration(new String[] {"stale", "2 hours"}, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** The timestamp of {@code witness}'s cosignature on {@code note}. */
  private Instant cosignedAt(String witness, byte[] note) {
    VerifierKey k = log.witnessVerifierKey(witness);
    NoteSignature sig = SignedNote.parse(note).signatures().stream()
        .filter(s -> s.isBy(k.name(), k.keyId())).findFirst().orElseThrow();
    return Instant.ofEpochSecond(ByteBuffer.wrap(sig.signature()).getLong());
  }

  private HttpResponse<byte[]> get(URI uri) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofByteArray());
  }
}
