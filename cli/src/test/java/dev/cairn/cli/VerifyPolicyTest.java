package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import dev.cairn.note.NoteSignature;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code cairn verify --url --policy}: a real log ({@code cairn serve} in this JVM, on loopback)
 * behind a loopback proxy that plays its witnesses: it passes every read through and adds to the
 * served {@code /checkpoint} the cosignatures each test chooses, made with core's cosignature
 * signers. The policy is 3 of 4 witnesses, two with Ed25519 cosignature keys and two with
 * ML-DSA-44 ones.
 */
class VerifyPolicyTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String ORIGIN = "example.com/witnessed";
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final SignerKey E1 =
      SignerKey.generate("e1.witness.example", SignatureType.COSIGNATURE_V1, RANDOM);
  private static final SignerKey M1 =
      SignerKey.generate("m1.witness.example", SignatureType.MLDSA44_SUBTREE_V1, RANDOM);
  private static final SignerKey E2 =
      SignerKey.generate("e2.witness.example", SignatureType.COSIGNATURE_V1, RANDOM);
  private static final SignerKey M2 =
      SignerKey.generate("m2.witness.example", SignatureType.MLDSA44_SUBTREE_V1, RANDOM);

  @TempDir static Path shared;
  private static ServeCommand serve;
  private static CompletableFuture<Integer> running;
  private static String upstream;
  private static HttpServer proxy;
  private static String url;
  /** What the proxy does to the log's checkpoint note before serving it. */
  private static volatile UnaryOperator<byte[]> witnesses = UnaryOperator.identity();

  @TempDir Path dir;
  private Path policy;

  @BeforeAll
  static void startTheLogAndItsWitnessingProxy() throws Exception {
    serve = new ServeCommand();
    CommandLine cl = new CommandLine(serve);
    cl.setOut(new PrintWriter(new StringWriter(), true));
    int port = LocalServers.freePort();
    upstream = "http://127.0.0.1:" + port;
    running = CompletableFuture.supplyAsync(() -> cl.execute(
        "--data", shared.resolve("data").toString(), "--listen", "127.0.0.1:" + port,
        "--origin", ORIGIN, "--checkpoint-interval", "50ms"));
    LocalServers.awaitHealthy(upstream);
    for (int i = 0; i < 20; i++) {
      post("/add", "entry " + i);
    }
    awaitCheckpointSize(20);

    proxy = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    proxy.createContext("/", VerifyPolicyTest::forward);
    proxy.start();
    url = "http://127.0.0.1:" + proxy.getAddress().getPort();
  }

  @AfterAll
  static void stop() throws Exception {
    proxy.stop(0);
    serve.stop.countDown();
    assertThat(running.get()).isZero();
  }

  @BeforeEach
  void writeThePolicy() throws IOException {
    List<String> lines = new ArrayList<>();
    for (String k : Files.readAllLines(shared.resolve("data/log.vkey"))) {
      lines.add("log " + k);
    }
    lines.add("# two Ed25519 and two ML-DSA-44 witnesses, any three of them");
    lines.add("witness E1 " + E1.verifierKey().encode());
    lines.add("witness M1 " + M1.verifierKey().encode());
    lines.add("witness E2 " + E2.verifierKey().encode());
    lines.add("witness M2 " + M2.verifierKey().encode());
    lines.add("group main 3 E1 M1 E2 M2");
    lines.add("quorum main");
    policy = Files.write(dir.resolve("policy"), lines);
  }

  @Test
  void aCheckpointMeetingTheQuorumVerifiesAndStaysConsistentAcrossRuns() throws Exception {
    witnesses = cosignedBy(E1, M1, M2);
    Path state = dir.resolve("state");
    KeyCommandsTest.Result first = verify("--full", "--state", state.toString());
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.out()).contains("\nwitnesses: cosigned by E1, M1, M2; quorum \"main\" met\n")
        .contains("consistency: no earlier checkpoint").endsWith("OK\n");
    assertThat(SignedNote.parse(Files.readAllBytes(state)).signatures()).hasSize(5);

    long size = size(fetch("/checkpoint"));
    post("/add", "one more entry");
    awaitCheckpointSize(size + 1);
    witnesses = cosignedBy(E1, M1, E2, M2);
    KeyCommandsTest.Result second = verify("--state", state.toString());
    assertThat(second.code()).as(second.err()).isZero();
    assertThat(second.out()).contains("witnesses: cosigned by E1, M1, E2, M2")
        .contains("consistency: size " + size + " (from " + state + ") is a prefix of size "
            + (size + 1));

    // The saved checkpoint needs only the log's signatures (a --vkey run saved it, or the
    // policy got stricter): the quorum was checked when it was saved.
    Path vkeyState = dir.resolve("vkey-state");
    witnesses = UnaryOperator.identity();
    KeyCommandsTest.Result byVkey = KeyCommandsTest.cairn("verify", "--url", url, "--vkey",
        shared.resolve("data/log.vkey").toString(), "--state", vkeyState.toString());
    assertThat(byVkey.code()).as(byVkey.err()).isZero();
    witnesses = cosignedBy(E2, M2, E1);
    KeyCommandsTest.Result after = verify("--state", vkeyState.toString());
    assertThat(after.code()).as(after.err()).isZero();
    assertThat(after.out()).contains("is a prefix of");
  }

  /** A saved checkpoint the log signed over another root of a smaller tree: a fork. */
  @Test
  void aForkAgainstTheSavedCheckpointFails() throws Exception {
    witnesses = cosignedBy(E1, E2, M1);
    Checkpoint now = Checkpoint.parse(SignedNote.parse(fetch("/checkpoint")).text());
    Checkpoint forked = new Checkpoint(ORIGIN, now.size() - 1, Hash.of(new byte[32]));
    Path state = Files.write(dir.resolve("state"), SignedNote.sign(forked.format(), List.of(
        logKey("keys/log.skey").signer(), logKey("keys/log-mldsa44.skey").signer())).encode());
    KeyCommandsTest.Result r = verify("--state", state.toString());
    assertThat(r.code()).as(r.out()).isEqualTo(VerifyCommand.FAILED);
    assertThat(r.err()).startsWith("cairn verify: FAILED: inconsistent: ");
  }

  @Test
  void aMissingQuorumFailsNamingWhoCosignedAndWhatIsMissing() throws IOException {
    witnesses = cosignedBy(M1, E2);
    Path state = dir.resolve("state");
    KeyCommandsTest.Result r = verify("--state", state.toString());
    assertThat(r.code()).isEqualTo(VerifyCommand.UNWITNESSED);
    assertThat(r.err()).isEqualTo("cairn verify: FAILED: quorum not met: cosigned by M1, E2;"
        + " no cosignature from E1, M2; quorum \"main\" needs 3 of E1, M1, E2, M2 and has 2\n");
    assertThat(state).doesNotExist();

    witnesses = UnaryOperator.identity();
    KeyCommandsTest.Result none = verify();
    assertThat(none.code()).isEqualTo(VerifyCommand.UNWITNESSED);
    assertThat(none.err()).contains("cosigned by no witness; no cosignature from E1, M1, E2,"
        + " M2; quorum \"main\" needs 3 of E1, M1, E2, M2 and has 0");
  }

  /**
   * A policy witness's cosignature that does not verify rejects the checkpoint even when the
   * others meet the quorum: it is the log or someone between lying about a witness.
   */
  @Test
  void aBadCosignatureByAPolicyWitnessIsRejected() {
    witnesses = note -> flippedM2(cosignedBy(E1, M1, E2).apply(note));
    KeyCommandsTest.Result r = verify();
    assertThat(r.code()).isEqualTo(VerifyCommand.FAILED);
    assertThat(r.err()).startsWith("cairn verify: FAILED: bad signature: ")
        .contains("m2.witness.example");

    // An Ed25519 cosignature over another checkpoint, moved onto this one.
    witnesses = note -> {
      SignedNote n = SignedNote.parse(note);
      Checkpoint c = Checkpoint.parse(n.text());
      String other = new Checkpoint(c.origin(), c.size() + 1, c.root()).format();
      NoteSignature e2 = SignedNote.sign(other, List.of(E2.signer())).signatures().get(0);
      return cosignedBy(E1, M1).apply(n.withSignatures(List.of(e2)).encode());
    };
    KeyCommandsTest.Result moved = verify();
    assertThat(moved.code()).isEqualTo(VerifyCommand.FAILED);
    assertThat(moved.err()).startsWith("cairn verify: FAILED: bad signature: ")
        .contains("e2.witness.example");
  }

  @Test
  void policyFileErrorsAreUsageErrorsNamingTheLine() throws IOException {
    witnesses = cosignedBy(E1, M1, E2);
    List<String> lines = new ArrayList<>(Files.readAllLines(policy));
    lines.set(lines.size() - 2, "group main 5 E1 M1 E2 M2");
    Files.write(policy, lines);
    KeyCommandsTest.Result r = verify();
    assertThat(r.code()).isEqualTo(CliException.USAGE);
    assertThat(r.err()).isEqualTo("cairn: --policy " + policy + ": policy line "
        + (lines.size() - 1) + ": threshold 5 is more than the 4 members\n");

    Files.writeString(policy, "witness E1 " + E1.verifierKey().encode() + "\nquorum E1\n");
    KeyCommandsTest.Result noLog = verify();
    assertThat(noLog.code()).isEqualTo(CliException.USAGE);
    assertThat(noLog.err()).contains("has no log line");

    Files.writeString(policy, "log " + E1.verifierKey().encode() + "\nquorum none\n");
    assertThat(verify().err()).contains("policy line 1: a log key must be");

    KeyCommandsTest.Result missing = KeyCommandsTest.cairn("verify", "--url", url, "--policy",
        dir.resolve("nowhere").toString());
    assertThat(missing.code()).isEqualTo(CliException.IO);
    assertThat(missing.err()).contains("no such file: " + dir.resolve("nowhere"));

    KeyCommandsTest.Result both = KeyCommandsTest.cairn("verify", "--url", url, "--policy",
        policy.toString(), "--vkey", shared.resolve("data/log.vkey").toString());
    assertThat(both.code()).isEqualTo(CliException.USAGE);
    assertThat(both.err()).contains("either --vkey, or --policy");
    KeyCommandsTest.Result data = KeyCommandsTest.cairn("verify", "--data",
        shared.resolve("data").toString(), "--policy", policy.toString());
    assertThat(data.code()).isEqualTo(CliException.USAGE);
    assertThat(data.err()).contains("--policy goes with --url");
  }

  private KeyCommandsTest.Result verify(String... more) {
    List<String> args = new ArrayList<>(List.of("verify", "--url", url, "--policy",
        policy.toString()));
    args.addAll(List.of(more));
    return KeyCommandsTest.cairn(args.toArray(String[]::new));
  }

  /** Adds these witnesses' cosignatures to a checkpoint note. */
  private static UnaryOperator<byte[]> cosignedBy(SignerKey... keys) {
    return note -> {
      SignedNote n = SignedNote.parse(note);
      List<NoteSignature> cosignatures = SignedNote.sign(n.text(),
          java.util.Arrays.stream(keys).map(SignerKey::signer).toList()).signatures();
      return n.withSignatures(cosignatures).encode();
    };
  }

  /** Adds M2's cosignature with one bit of the ML-DSA-44 signature flipped. */
  private static byte[] flippedM2(byte[] note) {
    SignedNote n = SignedNote.parse(note);
    NoteSignature good = SignedNote.sign(n.text(), List.of(M2.signer())).signatures().get(0);
    byte[] sig = good.signature();
    sig[100] ^= 1;
    return n.withSignatures(List.of(new NoteSignature(good.name(), good.keyId(), sig)))
        .encode();
  }

  private static SignerKey logKey(String file) throws IOException {
    return SignerKey.parse(Files.readString(shared.resolve("data").resolve(file)));
  }

  /** Passes a GET through to the log; the checkpoint gets {@link #witnesses} applied. */
  private static void forward(HttpExchange ex) throws IOException {
    try (ex) {
      HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(
          URI.create(upstream + ex.getRequestURI())).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      byte[] body = r.body();
      if (r.statusCode() == 200 && ex.getRequestURI().getPath().equals("/checkpoint")) {
        body = witnesses.apply(body);
      }
      ex.sendResponseHeaders(r.statusCode(), body.length == 0 ? -1 : body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  private static byte[] fetch(String path) throws IOException, InterruptedException {
    HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + path)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  private static long size(byte[] note) {
    return Checkpoint.parse(SignedNote.parse(note).text()).size();
  }

  private static void post(String path, String body) throws IOException, InterruptedException {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(upstream + path))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  private static void awaitCheckpointSize(long size) throws Exception {
    Instant deadline = Instant.now().plusSeconds(30);
    while (Instant.now().isBefore(deadline)) {
      String cp = HTTP.send(HttpRequest.newBuilder(URI.create(upstream + "/checkpoint")).build(),
          HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)).body();
      if (cp.startsWith(ORIGIN + "\n")
          && Long.parseLong(cp.lines().skip(1).findFirst().orElseThrow()) >= size) {
        return;
      }
    }
    throw new AssertionError("no checkpoint of size " + size + " at " + upstream);
  }
}
