package dev.cairn.log.witnessing;

import static dev.cairn.log.testing.LogClient.text;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.log.LogConfig;
import dev.cairn.log.TransparencyLog;
import dev.cairn.log.http.HttpConfig;
import dev.cairn.log.http.LogServer;
import dev.cairn.log.sequencing.SequencerConfig;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.testing.LogClient;
import dev.cairn.log.testing.TestCertificates;
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
    createLog(0);
  }

  /** Creates the log with {@code entries} entries published, and returns its checkpoint. */
  dev.cairn.checkpoint.Checkpoint createLog(int entries) throws Exception {
    try (TransparencyLog l = TransparencyLog.open(config(Duration.ofHours(1)))) {
      logKeys = l.keys().ring().signingOrder().stream().map(e -> e.key()).toList();
      for (int i = 0; i < entries; i++) {
        l.sequencer().add(("before " + i).getBytes(UTF_8)).get();
      }
      l.publisher().publish();
      return l.publisher().latest().checkpoint();
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
    serve(policy, timeout, failOpen, interval, new FileCosignedSizes(dir));
  }

  void serve(Policy policy, Duration timeout, boolean failOpen, Duration interval,
      CosignedSizes sizes) throws Exception {
    quorum = WitnessQuorum.create(policy, timeout, failOpen, sizes);
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
  void anHttpsWitnessOfAPrivateAuthorityCountsOnlyWhenTheAuthorityIsTrusted(
      @TempDir Path other) throws Exception {
    createLog();
    TestCertificates ca = new TestCertificates();
    TestWitness w1 = new TestWitness("w1.example", logKeys, ca.issue(),
        SignatureType.COSIGNATURE_V1);
    open.add(w1);
    assertThat(w1.url()).startsWith("https://");
    Policy policy = Policy.parse(logLines() + w1.policyLines() + "quorum w1.example\n");
    Path caFile = other.resolve("ca.pem");
    java.nio.file.Files.writeString(caFile, TestCertificates.pem(ca.ca()));

    // Not trusted (the JDK's authorities): no cosignature, nothing published.
    try (WitnessQuorum untrusted = WitnessQuorum.create(policy, Duration.ofMillis(500), false,
        new FileCosignedSizes(dir));
        TransparencyLog l = TransparencyLog.open(config(Duration.ofHours(1))
            .withEndorser(untrusted, untrusted.endorseTimeout()))) {
      l.sequencer().add("entry".getBytes(UTF_8)).get();
      assertThatThrownBy(l.publisher()::publish).hasMessageContaining("w1.example");
      assertThat(l.publisher().latest().checkpoint().size()).isZero();
    }
    // Trusted with --witness-ca: cosigned and published.
    try (WitnessQuorum trusted = WitnessQuorum.create(policy, Duration.ofMillis(500), false,
        new FileCosignedSizes(dir), Optional.of(
            dev.cairn.read.TrustedCertificates.sslContext(caFile)));
        TransparencyLog l = TransparencyLog.open(config(Duration.ofHours(1))
            .withEndorser(trusted, trusted.endorseTimeout()))) {
      assertThat(l.publisher().latest().checkpoint().size()).isEqualTo(1);
      assertThat(LogVerifier.of(policy).verifyCheckpoint(l.publisher().latest().note())
          .witnesses()).containsExactly("w1.example");
    }
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

  String metrics() {
    return text(client.get("/metrics"));
  }

  /** The value of the metric line naming all of {@code parts}, 0 if there is none. */
  static double metric(String scrape, String name, String... parts) {
    return scrape.lines().filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
        .filter(l -> java.util.Arrays.stream(parts).allMatch(l::contains))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst().orElse(0);
  }

  long published() {
    return log.publisher().latest().checkpoint().size();
  }

  @Test
  void aWitnessBehindIsCaughtUpFromTheSizeItSaysWithTheRightProof() throws Exception {
    dev.cairn.checkpoint.Checkpoint three = createLog(3);
    TestWitness w1 = witness("w1.example", SignatureType.COSIGNATURE_V1);
    // The witness cosigned the log at size 3; the log does not know (its record was lost).
    w1.remember(three);
    Policy policy = Policy.parse(logLines() + w1.policyLines() + "quorum w1.example\n");
    serve(policy, Duration.ofSeconds(2), false, Duration.ofHours(1));
    for (int i = 3; i < 7; i++) {
      add("entry " + i);
    }
    log.publisher().publish();

    assertThat(published()).isEqualTo(7);
    assertThat(w1.oldSizes).containsExactly(0L, 3L);
    assertThat(w1.proofLengths).containsExactly(0,
        dev.cairn.merkle.ProofVerifier.consistencyLength(3, 7));
    assertThat(LogVerifier.of(policy).verifyCheckpoint(log.publisher().latest().note())
        .witnesses()).containsExactly("w1.example");
    assertThat(metric(metrics(), "cairn_witness_failures_total", "witness=\"w1.example\"",
        "kind=\"conflict\"")).isEqualTo(1);
    assertThat(metric(metrics(), "cairn_witness_cosigned_size", "witness=\"w1.example\""))
        .isEqualTo(7);

    // The size is kept: the next checkpoint goes out from 7 at once, and so after a restart.
    add("entry 7");
    log.publisher().publish();
    assertThat(w1.oldSizes).containsExactly(0L, 3L, 7L);
    assertThat(new FileCosignedSizes(dir).get(w1.url())).hasValue(8);
  }

  @Test
  void aLegacyWitnessAnswering409WithoutItsSizeIsTriedFromThePublishedSize() throws Exception {
    dev.cairn.checkpoint.Checkpoint before = createLog(2);
    TestWitness w1 = witness("w1.example", SignatureType.COSIGNATURE_V1);
    w1.remember(before); // it cosigned the log's checkpoint; the log does not know
    w1.behave(TestWitness.Behaviour.LEGACY_CONFLICT);
    Policy policy = Policy.parse(logLines() + w1.policyLines() + "quorum w1.example\n");
    serve(policy, Duration.ofSeconds(2), false, Duration.ofHours(1));
    add("c");
    log.publisher().publish();
    assertThat(w1.oldSizes).containsExactly(0L, 2L);
    assertThat(published()).isEqualTo(3);
    assertThat(w1.size()).isEqualTo(3);
  }

  @Test
  void failClosedHoldsPublicationBackUntilTheQuorumReturnsThenPublishesEveryEntry()
      throws Exception {
    createLog();
    TestWitness w1 = witness("w1.example", SignatureType.COSIGNATURE_V1);
    TestWitness w2 = witness("w2.example", SignatureType.COSIGNATURE_V1);
    Policy policy = Policy.parse(logLines() + w1.policyLines() + w2.policyLines()
        + "group both all w1.example w2.example\nquorum both\n");
    serve(policy, Duration.ofMillis(300), false, Duration.ofMillis(100));
    add("first");
    dev.cairn.log.testing.Poll.until("the first entry published", Duration.ofSeconds(10),
        () -> published() == 1);
    byte[] served = client.get("/checkpoint").body();
    assertThat(text(client.get("/readyz"))).isEqualTo("ready\n");

    w2.stop();
    log.sequencer().limitUnpublished(() -> log.publisher().latest().checkpoint().size(), 19);
    List<Long> acknowledged = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      acknowledged.add(add("while w2 is down " + i));
    }
    // 20 acknowledged entries wait for a checkpoint, more than the 19 allowed: pushback.
    HttpResponse<byte[]> pushedBack = client.post("/add", "one too many".getBytes(UTF_8));
    assertThat(pushedBack.statusCode()).isEqualTo(503);
    assertThat(pushedBack.headers().firstValue("Retry-After")).isPresent();
    assertThat(text(pushedBack)).contains("20 acknowledged entries wait for a checkpoint");
    assertThat(org.assertj.core.api.Assertions.catchThrowable(log.publisher()::publish))
        .isInstanceOf(dev.cairn.log.publishing.EndorsementException.class)
        .hasMessageContaining("not met").hasMessageContaining("w2.example (connect");
    assertThat(client.get("/checkpoint").body()).isEqualTo(served);
    assertThat(log.objects().get(ObjectStore.CHECKPOINT)).hasValue(served);
    assertThat(log.history().last().orElseThrow().size()).isEqualTo(1);
    HttpResponse<byte[]> ready = client.get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(text(ready)).contains("witness quorum both not met")
        .contains("w2.example (connect)").doesNotContain("w1.example (");
    assertThat(metric(metrics(), "cairn_checkpoint_quorum_met")).isEqualTo(0);
    assertThat(metric(metrics(), "cairn_witness_failures_total", "witness=\"w2.example\"",
        "kind=\"connect\"")).isGreaterThanOrEqualTo(3);
    // A witness outage is not a storage fault of publication: only the quorum says so.
    assertThat(log.publisher().fault()).isEmpty();
    assertThat(text(ready)).doesNotContain("publisher");
    // The acknowledged entries are durable: sequenced, waiting for an endorsed checkpoint.
    assertThat(log.sequencer().sequenced().size()).isEqualTo(21);

    w2.restart();
    dev.cairn.log.testing.Poll.until("the backlog published once w2 is back",
        Duration.ofSeconds(20), () -> published() == 21);
    byte[] note = client.get("/checkpoint").body();
    assertThat(LogVerifier.of(policy).verifyCheckpoint(note).witnesses())
        .containsExactlyInAnyOrder("w1.example", "w2.example");
    for (long index : acknowledged) {
      HttpResponse<byte[]> proof = client.get("/proof/inclusion?index=" + index);
      assertThat(proof.statusCode()).isEqualTo(200);
      LogVerifier.of(policy).verifyProof(("while w2 is down " + (index - 1)).getBytes(UTF_8),
          proof.body());
    }
    dev.cairn.log.testing.Poll.until("ready again", Duration.ofSeconds(10),
        () -> client.get("/readyz").statusCode() == 200);
    assertThat(metric(metrics(), "cairn_checkpoint_quorum_met")).isEqualTo(1);
    assertThat(add("after w2 came back")).isEqualTo(21); // the pushback is over
  }

  @Test
  void failOpenPublishesWithoutTheQuorumAndCountsIt() throws Exception {
    createLog();
    TestWitness w1 = witness("w1.example", SignatureType.COSIGNATURE_V1);
    TestWitness w2 = witness("w2.example", SignatureType.COSIGNATURE_V1);
    Policy policy = Policy.parse(logLines() + w1.policyLines() + w2.policyLines()
        + "group both all w1.example w2.example\nquorum both\n");
    serve(policy, Duration.ofMillis(300), true, Duration.ofHours(1));
    w2.stop();
    add("a");
    log.publisher().publish();

    byte[] note = client.get("/checkpoint").body();
    assertThat(dev.cairn.note.SignedNote.parse(note).signatures())
        .extracting(dev.cairn.note.NoteSignature::name).contains("w1.example")
        .doesNotContain("w2.example");
    assertThat(org.assertj.core.api.Assertions.catchThrowable(
        () -> LogVerifier.of(policy).verifyCheckpoint(note)))
        .hasMessageContaining("no cosignature from w2.example");
    assertThat(metric(metrics(), "cairn_witness_fail_open_publications_total")).isEqualTo(1);
    assertThat(metric(metrics(), "cairn_checkpoint_quorum_met")).isEqualTo(0);
    HttpResponse<byte[]> ready = client.get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(text(ready)).contains("fail-open (UNSAFE").contains("w2.example (connect)");
  }

  @org.junit.jupiter.api.extension.RegisterExtension
  final dev.cairn.log.testing.LoggedErrors logged = new dev.cairn.log.testing.LoggedErrors();

  @Test
  void misbehavingWitnessesCountNothingAndTheHonestThreeOfFourStillMakeTheQuorum()
      throws Exception {
    createLog();
    List<TestWitness> honest = List.of(witness("h1.example", SignatureType.COSIGNATURE_V1),
        witness("h2.example", SignatureType.COSIGNATURE_V1),
        witness("h3.example", SignatureType.MLDSA44_SUBTREE_V1));
    TestWitness bad = witness("bad.example", SignatureType.COSIGNATURE_V1);
    StringBuilder lines = new StringBuilder(logLines());
    honest.forEach(w -> lines.append(w.policyLines()));
    lines.append(bad.policyLines())
        .append("group three 3 h1.example h2.example h3.example bad.example\nquorum three\n");
    Policy policy = Policy.parse(lines.toString());
    serve(policy, Duration.ofMillis(400), false, Duration.ofHours(1));
    int entries = 0;
    record Case(TestWitness.Behaviour behaviour, String kind, String says) {}
    List<Case> cases = List.of(
        new Case(TestWitness.Behaviour.ENDLESS_CONFLICT, "conflict", "gave up after 3 tries"),
        new Case(TestWitness.Behaviour.BEYOND_LOG, "beyond_log", "beyond this checkpoint"),
        new Case(TestWitness.Behaviour.GARBAGE, "bad_response", "other than signature lines"),
        new Case(TestWitness.Behaviour.UNKNOWN_KEY, "bad_cosignature", "without a cosignature"),
        new Case(TestWitness.Behaviour.WRONG_KEY, "bad_cosignature", "does not verify"),
        new Case(TestWitness.Behaviour.OTHER_CHECKPOINT, "bad_cosignature", "does not verify"),
        new Case(TestWitness.Behaviour.HANG, "timeout", "no answer within"),
        new Case(TestWitness.Behaviour.REFUSE_CONSISTENCY, "refused_consistency",
            "answered 422"),
        new Case(TestWitness.Behaviour.CONFLICT_AT_OLD_SIZE, "refused_consistency",
            "answered 409 with the size sent"),
        new Case(TestWitness.Behaviour.UNAVAILABLE, "http_status", "answered 503"));
    for (Case c : cases) {
      // Honest in between, so that each misbehaviour begins a new failure (logged once).
      bad.behave(TestWitness.Behaviour.HONEST);
      add("honest " + entries++);
      log.publisher().publish();
      quorum.settled().get();
      int before = bad.requests.get();
      double failures = metric(metrics(), "cairn_witness_failures_total",
          "witness=\"bad.example\"", "kind=\"" + c.kind() + "\"");

      bad.behave(c.behaviour());
      add(c.behaviour() + " " + entries++);
      log.publisher().publish();
      byte[] note = client.get("/checkpoint").body();
      VerifiedCheckpoint v = LogVerifier.of(policy).verifyCheckpoint(note);
      assertThat(v.checkpoint().size()).as(c.toString()).isEqualTo(entries);
      assertThat(v.witnesses()).as(c.toString())
          .containsExactlyInAnyOrder("h1.example", "h2.example", "h3.example");
      assertThat(dev.cairn.note.SignedNote.parse(note).signatures()).as(c.toString())
          .extracting(dev.cairn.note.NoteSignature::name).doesNotContain("bad.example",
              "unknown.example/w");
      quorum.settled().get(); // a hanging witness: once the log gave up on it
      bad.behave(TestWitness.Behaviour.UNAVAILABLE); // releases the requests it holds
      assertThat(bad.requests.get() - before).as(c.toString()).isBetween(1, 3);
      assertThat(metric(metrics(), "cairn_witness_failures_total", "witness=\"bad.example\"",
          "kind=\"" + c.kind() + "\"")).as(c.toString()).isGreaterThan(failures);
      if (c.kind().startsWith("bad") || c.kind().equals("beyond_log")
          || c.kind().equals("refused_consistency")) {
        assertThat(logged.messages()).as(c.toString()).anySatisfy(m -> assertThat(m)
            .contains("bad.example").contains(c.says()));
      }
    }
    assertThat(logged.messages()).noneMatch(m -> m.contains("h1.example")
        || m.contains("h2.example") || m.contains("h3.example"));
  }

  @Test
  void thePolicyEndpointServesWhatVerifiesThisLog() throws Exception {
    createLog();
    TestWitness w1 = witness("w1.example", SignatureType.COSIGNATURE_V1);
    TestWitness w2 = witness("w2.example", SignatureType.COSIGNATURE_V1);
    Policy policy = Policy.parse("log " + logKeys.get(0).encode() + " https://log.example/\n"
        + w1.policyLines() + w2.policyLines() + "group g any w1.example w2.example\nquorum g\n");
    serve(policy, Duration.ofSeconds(2), false, Duration.ofHours(1));
    add("a");
    log.publisher().publish();

    HttpResponse<byte[]> r = client.get("/policy");
    assertThat(r.statusCode()).isEqualTo(200);
    StringBuilder expected = new StringBuilder();
    logKeys.forEach(k -> expected.append("log ").append(k.encode())
        .append(" https://log.example/\n"));
    expected.append(w1.policyLines()).append(w2.policyLines())
        .append("group g any w1.example w2.example\nquorum g\n");
    assertThat(text(r)).isEqualTo(expected.toString());
    Policy served = Policy.parse(r.body());
    assertThat(LogVerifier.of(served).verifyCheckpoint(client.get("/checkpoint").body())
        .witnesses()).isNotEmpty();
  }

  @Test
  void withoutAWitnessPolicyThePolicyHasTheLogKeysAndNoQuorum() throws Exception {
    createLog();
    log = TransparencyLog.open(config(Duration.ofHours(1)));
    open.add(log);
    server = LogServer.start(log, HttpConfig.defaults("127.0.0.1", 0));
    open.add(server);
    client = new LogClient(server.port());
    StringBuilder expected = new StringBuilder();
    logKeys.forEach(k -> expected.append("log ").append(k.encode()).append('\n'));
    assertThat(text(client.get("/policy"))).isEqualTo(expected + "quorum none\n");
    assertThat(LogVerifier.of(Policy.parse(client.get("/policy").body()))
        .verifyCheckpoint(client.get("/checkpoint").body()).checkpoint().size()).isZero();
  }

  @Test
  void theJsonAddAnswerCarriesTheCosignatures() throws Exception {
    createLog();
    TestWitness w1 = witness("w1.example", SignatureType.COSIGNATURE_V1);
    Policy policy = Policy.parse(logLines() + w1.policyLines() + "quorum w1.example\n");
    serve(policy, Duration.ofSeconds(2), false, Duration.ofMillis(50));
    HttpResponse<byte[]> r = client.post("/add", "with proof".getBytes(UTF_8),
        "Accept", "application/json");
    assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
    String proof = JSON.readTree(r.body()).get("proof").asText();
    assertThat(proof).contains("\u2014 w1.example ");
    assertThat(LogVerifier.of(policy).verifyProof("with proof".getBytes(UTF_8),
        proof.getBytes(UTF_8)).witnesses()).containsExactly("w1.example");
  }

  @Test
  void aRateLimitedWitnessIsAskedAgainAfterItsRetryAfter() throws Exception {
    createLog();
    TestWitness w1 = witness("w1.example", SignatureType.COSIGNATURE_V1);
    Policy policy = Policy.parse(logLines() + w1.policyLines() + "quorum w1.example\n");
    serve(policy, Duration.ofSeconds(1), false, Duration.ofHours(1));
    w1.behave(TestWitness.Behaviour.RATE_LIMITED_ONCE);
    add("a");
    log.publisher().publish();
    assertThat(w1.requests.get()).isEqualTo(2);
    assertThat(published()).isEqualTo(1);
    assertThat(metric(metrics(), "cairn_witness_failures_total", "witness=\"w1.example\"",
        "kind=\"rate_limited\"")).isEqualTo(1);
    assertThat(metric(metrics(), "cairn_witness_request_seconds_count",
        "witness=\"w1.example\"")).isEqualTo(2);
  }

  @Test
  void aWitnessThatRolledBackItsStateIsLoggedAsAnErrorAndCaughtUp() throws Exception {
    createLog();
    TestWitness w1 = witness("w1.example", SignatureType.COSIGNATURE_V1);
    Policy policy = Policy.parse(logLines() + w1.policyLines() + "quorum w1.example\n");
    serve(policy, Duration.ofSeconds(1), false, Duration.ofHours(1));
    add("a");
    add("b");
    log.publisher().publish();
    assertThat(w1.size()).isEqualTo(2);

    w1.forget(); // it answers 409 with size 0, below the 2 it cosigned for this log
    add("c");
    log.publisher().publish();
    assertThat(published()).isEqualTo(3);
    assertThat(w1.oldSizes).containsExactly(0L, 2L, 0L);
    assertThat(logged.messages()).anySatisfy(m -> assertThat(m).contains("w1.example")
        .contains("size 0, below the size 2 it cosigned").contains("rolled back"));
  }

  @Test
  void aSlowBodyCannotStretchARoundPastItsDeadlineAndReadinessSaysNotMet() throws Exception {
    createLog();
    TestWitness w1 = witness("w1.example", SignatureType.COSIGNATURE_V1);
    TestWitness w2 = witness("w2.example", SignatureType.COSIGNATURE_V1);
    Policy policy = Policy.parse(logLines() + w1.policyLines() + w2.policyLines()
        + "group both all w1.example w2.example\nquorum both\n");
    serve(policy, Duration.ofSeconds(1), false, Duration.ofHours(1));
    add("a");
    log.publisher().publish();
    assertThat(text(client.get("/readyz"))).isEqualTo("ready\n");

    // 429 (wait a second), then headers just before each try's timeout and a body without end:
    // with a second more for each body, the last try would end after the publisher's deadline.
    w2.headersAfter = Duration.ofMillis(900);
    w2.behave(TestWitness.Behaviour.SLOW_BODY);
    add("b");
    long started = System.nanoTime();
    assertThat(org.assertj.core.api.Assertions.catchThrowable(log.publisher()::publish))
        .isInstanceOf(dev.cairn.log.publishing.EndorsementException.class)
        .hasMessageContaining("witness quorum both not met").hasMessageContaining("w2.example");
    quorum.settled().get();
    assertThat(Duration.ofNanos(System.nanoTime() - started)).as("every try ended in time")
        .isLessThan(quorum.roundTime().plus(WitnessQuorum.DECISION_GRACE));
    HttpResponse<byte[]> ready = client.get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(text(ready)).contains("witness quorum both not met at size 2")
        .contains("w2.example (timeout)");
    assertThat(metric(metrics(), "cairn_checkpoint_quorum_met")).isEqualTo(0);
    assertThat(published()).isEqualTo(1);
    w2.behave(TestWitness.Behaviour.UNAVAILABLE); // a quick refusal for the closing round
  }

  @Test
  void aRoundIsDecidedAtItsDeadlineAndFailOpenPublishesWhatArrived() throws Exception {
    createLog();
    TestWitness w1 = witness("w1.example", SignatureType.COSIGNATURE_V1);
    TestWitness w2 = witness("w2.example", SignatureType.COSIGNATURE_V1);
    Policy policy = Policy.parse(logLines() + w1.policyLines() + w2.policyLines()
        + "group both all w1.example w2.example\nquorum both\n");
    // Reading the size w2 last cosigned hangs (a stuck disk): its submission outlives the round.
    java.util.concurrent.CountDownLatch stuck = new java.util.concurrent.CountDownLatch(1);
    CosignedSizes files = new FileCosignedSizes(dir);
    open.add(stuck::countDown);
    serve(policy, Duration.ofMillis(300), true, Duration.ofHours(1), new CosignedSizes() {
      @Override
      public java.util.OptionalLong get(String url) throws java.io.IOException {
        if (url.equals(w2.url())) {
          try {
            stuck.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return files.get(url);
      }

      @Override
      public void put(String url, long size) throws java.io.IOException {
        files.put(url, size);
      }
    });
    add("a");
    log.publisher().publish();

    byte[] note = client.get("/checkpoint").body();
    assertThat(published()).isEqualTo(1);
    assertThat(dev.cairn.note.SignedNote.parse(note).signatures())
        .extracting(dev.cairn.note.NoteSignature::name).contains("w1.example")
        .doesNotContain("w2.example");
    assertThat(metric(metrics(), "cairn_witness_fail_open_publications_total")).isEqualTo(1);
    assertThat(metric(metrics(), "cairn_checkpoint_quorum_met")).isEqualTo(0);
    assertThat(text(client.get("/readyz"))).contains("quorum both not met at size 1");
  }
}
