package dev.cairn.log.tracing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.log.LogConfig;
import dev.cairn.log.TransparencyLog;
import dev.cairn.log.http.HttpConfig;
import dev.cairn.log.http.LogServer;
import dev.cairn.log.sequencing.SequencerConfig;
import dev.cairn.log.testing.Poll;
import dev.cairn.log.tracing.OtlpReceiver.Received;
import dev.cairn.log.witnessing.FileCosignedSizes;
import dev.cairn.log.witnessing.TestWitness;
import dev.cairn.log.witnessing.WitnessQuorum;
import dev.cairn.note.SignatureType;
import dev.cairn.note.VerifierKey;
import dev.cairn.policy.Policy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log served over HTTP, traced to a real OTLP/HTTP receiver on loopback: the spans it
 * exports, decoded from protobuf, continue the caller's trace and link the background work —
 * sequencing, integration, publication with its signing and witnessing — to the requests it
 * serves.
 */
class TracedLogTest {
  static final String ORIGIN = "example.com/traced";
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;
  final List<AutoCloseable> open = new ArrayList<>();
  OtlpReceiver receiver;

  @BeforeEach
  void receive() throws Exception {
    receiver = new OtlpReceiver();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
    receiver.close();
  }

  LogConfig config(Duration checkpointInterval) {
    return new LogConfig(dir, Optional.of(ORIGIN),
        new SequencerConfig(Duration.ofMillis(2), 256, 10_000), checkpointInterval,
        Clock.systemUTC());
  }

  /** Serves the log of {@code config} as {@code http} says, and returns its port. */
  int serve(LogConfig config, HttpConfig http) throws Exception {
    TransparencyLog log = TransparencyLog.open(config);
    open.add(log);
    LogServer server = LogServer.start(log, http);
    open.add(server);
    return server.port();
  }

  static String randomHex(int bytes) {
    byte[] b = new byte[bytes];
    ThreadLocalRandom.current().nextBytes(b);
    return OtlpReceiver.hex(b);
  }

  static HttpResponse<String> add(int port, String entry, String traceparent, boolean proof)
      throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + "/add")).POST(HttpRequest.BodyPublishers.ofString(entry))
        .header("traceparent", traceparent);
    if (proof) {
      r.header("Accept", "application/json");
    }
    return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString(UTF_8));
  }

  /** Flushes and polls until a received span matches {@code what}, and returns it. */
  Received await(Tracing tracing, String description, Predicate<Received> what) {
    Poll.until(description, Duration.ofSeconds(20), () -> {
      tracing.flush();
      return receiver.spans().stream().anyMatch(what);
    });
    return receiver.spans().stream().filter(what).findFirst().orElseThrow();
  }

  @Test
  void aWriteContinuesTheCallersTraceAndTheWorkThatPublishesItLinksToIt() throws Exception {
    List<VerifierKey> logKeys;
    try (TransparencyLog l = TransparencyLog.open(config(Duration.ofHours(1)))) {
      logKeys = l.keys().ring().signingOrder().stream().map(e -> e.key()).toList();
    }
    TestWitness witness = new TestWitness("w1.example", logKeys, SignatureType.COSIGNATURE_V1);
    open.add(witness);
    StringBuilder lines = new StringBuilder();
    logKeys.forEach(k -> lines.append("log ").append(k.encode()).append('\n'));
    Policy policy = Policy.parse(lines + witness.policyLines() + "quorum w1.example\n");
    WitnessQuorum quorum = WitnessQuorum.create(policy, Duration.ofSeconds(1), false,
        new FileCosignedSizes(dir));
    open.add(quorum);
    Tracing tracing = Tracing.open("cairn-log", Optional.of(receiver.endpoint()));
    open.add(tracing);
    int port = serve(config(Duration.ofMillis(50)).withEndorser(quorum, quorum.endorseTimeout())
        .withTracing(tracing), HttpConfig.defaults("127.0.0.1", 0));

    String traceId = randomHex(16);
    String callerSpan = randomHex(8);
    HttpResponse<String> r = add(port, "traced entry", "00-" + traceId + "-" + callerSpan
        + "-01", true);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("traceresponse")).get().asString()
        .startsWith("00-" + traceId + "-").endsWith("-01");

    // The request's span: in the caller's trace, under the caller's span, named by its route.
    Received request = await(tracing, "the request's span", s -> s.name().equals("POST /add"));
    assertThat(request.service()).isEqualTo("cairn-log");
    assertThat(request.traceId()).isEqualTo(traceId);
    assertThat(request.parentSpanId()).isEqualTo(callerSpan);
    assertThat(request.span().getKind())
        .isEqualTo(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(request.attribute("http.request.method")).contains("POST");
    assertThat(request.attribute("http.route")).contains("/add");
    assertThat(request.attribute("http.response.status_code")).contains("200");
    assertThat(r.headers().firstValue("traceresponse")).contains(
        "00-" + traceId + "-" + request.spanId() + "-01");
    assertThat(r.headers().firstValue("X-Request-Id")).isEqualTo(
        request.attribute("cairn.request_id"));
    // It waited for sequencing, then for a checkpoint: both shown under it.
    Received sequencingWait = await(tracing, "the wait for sequencing",
        s -> s.name().equals("await sequencing") && s.parentSpanId().equals(request.spanId()));
    assertThat(sequencingWait.traceId()).isEqualTo(traceId);
    await(tracing, "the wait for the checkpoint",
        s -> s.name().equals("await checkpoint") && s.parentSpanId().equals(request.spanId()));

    // The batch that sequenced the entry: its own trace, linked to the request.
    Received batch = await(tracing, "the batch linked to the request",
        s -> s.name().equals("sequence") && s.linksTo(traceId, request.spanId()));
    assertThat(batch.traceId()).isNotEqualTo(traceId);
    assertThat(batch.parentSpanId()).isEmpty();
    assertThat(batch.attribute("cairn.batch.entries")).contains("1");
    assertThat(batch.attribute("cairn.batch.requests")).contains("1");
    // The integration writing its tiles, linked to the batch.
    await(tracing, "the integration linked to the batch",
        s -> s.name().equals("integrate") && s.linksTo(batch.traceId(), batch.spanId()));

    // The publication of a checkpoint covering it, linked to the batch; signing and witnessing
    // are its children, and each witness's submission a child of witnessing.
    Received publication = await(tracing, "the publication linked to the batch",
        s -> s.name().equals("publish") && s.linksTo(batch.traceId(), batch.spanId()));
    assertThat(publication.attribute("cairn.published")).contains("true");
    Received signing = await(tracing, "the signing under the publication",
        s -> s.name().equals("sign") && s.parentSpanId().equals(publication.spanId()));
    assertThat(signing.traceId()).isEqualTo(publication.traceId());
    Received witnessing = await(tracing, "the witnessing under the publication",
        s -> s.name().equals("witness") && s.parentSpanId().equals(publication.spanId()));
    Received submission = await(tracing, "the witness's submission under the witnessing",
        s -> s.name().equals("witness w1.example")
            && s.parentSpanId().equals(witnessing.spanId()));
    assertThat(submission.traceId()).isEqualTo(publication.traceId());
    assertThat(submission.attribute("cairn.witness.cosigned")).contains("true");
    assertThat(submission.span().getKind())
        .isEqualTo(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CLIENT);
  }

  /** A log whose /add with a proof gives up at once: no checkpoint comes within the hour. */
  HttpConfig impatient() {
    HttpConfig d = HttpConfig.defaults("127.0.0.1", 0);
    return new HttpConfig(d.host(), d.port(), d.maxBatchEntries(), d.maxBatchBytes(),
        d.maxBodyBytesInFlight(), d.maxHeaderBytes(), d.maxConnections(),
        d.maxConnectionsPerAddress(), d.idleTimeout(), Duration.ofMillis(50), Optional.empty());
  }

  @Test
  void aTracedErrorBodyNamesTheTrace() throws Exception {
    Tracing tracing = Tracing.open("cairn-log", Optional.of(receiver.endpoint()));
    open.add(tracing);
    int port = serve(config(Duration.ofHours(1)).withTracing(tracing), impatient());
    String traceId = randomHex(16);
    HttpResponse<String> r = add(port, "waits in vain", "00-" + traceId + "-" + randomHex(8)
        + "-01", true);
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).isEqualTo("timed out waiting for the log; try again (trace " + traceId
        + ")\n");
    Received request = await(tracing, "the failed request's span",
        s -> s.name().equals("POST /add") && s.traceId().equals(traceId));
    assertThat(request.attribute("http.response.status_code")).contains("503");
    assertThat(request.span().getStatus().getCode()).isEqualTo(
        io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
  }

  @Test
  void withoutAnEndpointNothingIsSentAndErrorBodiesNameNoTrace() throws Exception {
    Tracing tracing = Tracing.open("cairn-log", Optional.empty());
    assertThat(tracing.enabled()).isFalse();
    int port = serve(config(Duration.ofHours(1)).withTracing(tracing), impatient());
    String traceId = randomHex(16);
    String traceparent = "00-" + traceId + "-" + randomHex(8) + "-01";
    HttpResponse<String> written = add(port, "untraced", traceparent, false);
    assertThat(written.statusCode()).isEqualTo(200);
    assertThat(written.headers().firstValue("traceresponse")).isEmpty();
    // No checkpoint within the hour: /add with a proof gives up.
    HttpResponse<String> r = add(port, "waits in vain", traceparent, true);
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).isEqualTo("timed out waiting for the log; try again\n");
    assertThat(r.headers().firstValue("traceresponse")).isEmpty();
    closeAll(); // the log closes, and publishes: a traced log would send its spans by now
    open.clear();
    assertThat(receiver.requests()).isZero();
  }
}
