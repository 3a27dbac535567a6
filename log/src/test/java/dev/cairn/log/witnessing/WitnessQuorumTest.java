package dev.cairn.log.witnessing;

import static dev.cairn.log.testing.LogClient.text;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.log.LogConfig;
import dev.cairn.log.TransparencyLog;
import dev.cairn.log.http.HttpConfig;
import dev.cairn.log.http.LogServer;
import dev.cairn.log.sequencing.SequencerConfig;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.testing.LogClient;
import dev.cairn.note.SignatureType;
import dev.cairn.note.VerifierKey;
import dev.cairn.policy.Policy;
import dev.cairn.verify.LogVerifier;
import dev.cairn.verify.VerifiedCheckpoint;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log publishing through a {@link WitnessQuorum} of real witnesses ({@link TestWitness}) on
 * loopback, served over HTTP.
 */
class WitnessQuorumTest {
  static final String ORIGIN = "example.com/witnessed";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  final List<AutoCloseable> open = new ArrayList<>();
  List<VerifierKey> logKeys;
  TransparencyLog log;
  LogServer server;
  LogClient client;
  WitnessQuorum quorum;

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  /** Creates the log (its keys) without witnesses, as a log that adds witnesses later. */
  void createLog() throws Exception {
    try (TransparencyLog l = TransparencyLog.open(config(Duration.ofHours(1)))) {
      logKeys = l.keys().ring().signingOrder().stream().map(e -> e.key()).toList();
    }
  }

  LogConfig config(Duration interval) {
    return new LogConfig(dir, Optional.of(ORIGIN),
        new SequencerConfig(Duration.ofMillis(2), 256, 10_000), interval, Clock.systemUTC());
  }

  TestWitness witness(String name, SignatureType... types) throws Exception {
    TestWitness w = new TestWitness(name, logKeys, types);
    open.add(w);
    return w;
  }

  String logLines() {
    StringBuilder sb = new StringBuilder();
    logKeys.forEach(k -> sb.append("log ").append(k.encode()).append('\n'));
    return sb.toString();
  }

  /** Opens and serves the log with a quorum for {@code policy}, publishing every interval. */
  void serve(Policy policy, Duration timeout, boolean failOpen, Duration interval)
      throws Exception {
    quorum = WitnessQuorum.create(policy, timeout, failOpen, new FileCosignedSizes(dir));
    open.add(quorum);
    log = TransparencyLog.open(config(interval).withEndorser(quorum, quorum.endorseTimeout()));
    open.add(log);
    server = LogServer.start(log, HttpConfig.defaults("127.0.0.1", 0));
    open.add(server);
    client = new LogClient(server.port());
  }

  long add(String entry) {
    HttpResponse<byte[]> r = client.post("/add", entry.getBytes(UTF_8));
    assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
    return Long.parseLong(text(r).strip());
  }

  @Test
  void aMetQuorumPublishesOneNoteWithEveryCosignature() throws Exception {
    createLog();
    TestWitness w1 = witness("w1.example", SignatureType.COSIGNATURE_V1);
    TestWitness w2 = witness("w2.example", SignatureType.COSIGNATURE_V1,
        SignatureType.MLDSA44_SUBTREE_V1);
    Policy policy = Policy.parse(logLines() + w1.policyLines() + w2.policyLines()
        + "group all-of-them all w1.example w2.example-0 w2.example-1\nquorum all-of-them\n");
    serve(policy, Duration.ofSeconds(2), false, Duration.ofHours(1));

    for (int i = 0; i < 5; i++) {
      add("entry " + i);
    }
    log.publisher().publish();

    byte[] note = log.publisher().latest().note();
    VerifiedCheckpoint v = LogVerifier.of(policy).verifyCheckpoint(note);
    assertThat(v.checkpoint().size()).isEqualTo(5);
    assertThat(v.witnesses()).containsExactlyInAnyOrder("w1.example", "w2.example-0",
        "w2.example-1");
    // One request per URL: the witness with two keys was asked once.
    assertThat(w1.requests.get()).isEqualTo(1);
    assertThat(w2.requests.get()).isEqualTo(1);
    assertThat(w2.size()).isEqualTo(5);

    assertThat(client.get("/checkpoint").body()).isEqualTo(note);
    assertThat(log.objects().get(ObjectStore.CHECKPOINT)).hasValue(note);
    JsonNode history = JSON.readTree(client.get("/checkpoints").body());
    JsonNode last = history.get("checkpoints").get(history.get("checkpoints").size() - 1);
    assertThat(last.get("size").asLong()).isEqualTo(5);
    assertThat(last.get("checkpoint").asText()).isEqualTo(new String(note, UTF_8));
    assertThat(last.get("cosigned_by")).extracting(JsonNode::asText)
        .containsExactly("w1.example", "w2.example-0", "w2.example-1");
  }
}
