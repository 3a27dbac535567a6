package dev.cairn.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.note.NoteSignature;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifierKey;
import dev.cairn.policy.Policy;
import dev.cairn.testing.GrowingTree;
import dev.cairn.verify.LogVerifier;
import dev.cairn.verify.VerificationException;
import dev.cairn.witnessing.AddCheckpoint;
import java.io.IOException;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The split-view drill: a log that signs two conflicting views of its history (two checkpoints
 * of one size with different roots; two histories diverging after a prefix every witness
 * cosigned) and offers both to every witness, each honest witness getting one view first and the
 * other after it. Three honest witnesses are real {@code cairn witness serve} processes; the
 * colluding ones are in-test servers that cosign anything. Clients check the policy's quorum of
 * 3 of 4 with {@link LogVerifier}:
 *
 * <ul>
 *   <li>with f = 1 colluding witness (2k = 6 &gt; n + f = 5) exactly one view reaches the quorum,
 *       and every honest witness that was offered the other view kept it as evidence;
 *   <li>with f = 2 (2k = 6 = n + f) both views reach it: the bound of docs/design/witnessing.md
 *       breaks as it says it does.
 * </ul>
 */
class SplitViewDrillTest {
  private static final Path BUILD =
      Path.of(System.getProperty("cairn.interop.buildDirectory", "target")).toAbsolutePath();
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();
  private static final List<String> ORIGINS = List.of("example.com/same-size",
      "example.com/diverging", "example.com/same-size-f2", "example.com/diverging-f2");

  @TempDir
  static Path tmp;
  private static final Map<String, SignerKey> LOG_KEYS = new HashMap<>();
  private static final List<ServerProcess> HONEST = new ArrayList<>();
  private static final List<Colluder> COLLUDING = new ArrayList<>();

  /** A witness as the policy and the log see it. */
  private record Witness(String name, URI base, List<VerifierKey> keys) {}

  @BeforeAll
  static void startWitnesses() throws Exception {
    StringBuilder logs = new StringBuilder();
    for (String origin : ORIGINS) {
      SignerKey k = SignerKey.generate(origin, SignatureType.ED25519, new SecureRandom());
      LOG_KEYS.put(origin, k);
      logs.append("log ").append(k.verifierKey().encode()).append('\n');
    }
    Path logsFile = tmp.resolve("logs");
    Files.writeString(logsFile, logs);
    List<CompletableFuture<ServerProcess>> starting = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      Path data = tmp.resolve("honest" + i);
      Path output = BUILD.resolve("drill-logs").resolve("split-view-honest" + i + ".log");
      starting.add(CompletableFuture.supplyAsync(() -> {
        try {
          return ServerProcess.startWitness(data, output, List.of("--logs",
              logsFile.toString(), "--name", "honest" + data.getFileName().toString()
                  .substring(6) + ".example"));
        } catch (IOException | InterruptedException e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    for (CompletableFuture<ServerProcess> s : starting) {
      HONEST.add(s.join());
    }
    for (int i = 1; i <= 2; i++) {
      COLLUDING.add(new Colluder("colluding" + i + ".example"));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (ServerProcess p : HONEST) {
      p.close();
    }
    COLLUDING.forEach(Colluder::close);
  }

  @Test
  void oneColludingWitnessCannotSplitOneSize() throws Exception {
    String origin = "example.com/same-size";
    View a = new View(origin, new GrowingTree("a "), 5);
    View b = new View(origin, new GrowingTree("b "), 5);
    List<Witness> witnesses = witnesses(3, 1);
    Attack result = attack(witnesses, a, b);

    assertThat(result.accepted(policy(origin, witnesses))).as(result.describe()).hasSize(1);
    assertEvidenceKept(origin, 0, 1, 2);
  }

  @Test
  void oneColludingWitnessCannotSplitHistory() throws Exception {
    String origin = "example.com/diverging";
    GrowingTree base = new GrowingTree("shared ");
    List<Witness> witnesses = witnesses(3, 1);
    // Every witness cosigns the common prefix first.
    View prefix = new View(origin, base, 3);
    for (Witness w : witnesses) {
      assertThat(offer(w, prefix)).as("the shared prefix at " + w.name()).isNotNull();
    }
    View a = new View(origin, base, 6);
    View b = new View(origin, GrowingTree.divergingFrom("shared ", 3, "fork "), 7);
    Attack result = attack(witnesses, a, b);

    assertThat(result.accepted(policy(origin, witnesses))).as(result.describe()).hasSize(1);
    // The witnesses that saw the shorter view A first could check B against it; the one that
    // saw B first is past A's size and answers it 409 (a smaller checkpoint proves nothing).
    assertEvidenceKept(origin, 0, 2);
  }

  @Test
  void twoColludingWitnessesBreakTheBound() throws Exception {
    String origin = "example.com/same-size-f2";
    View a = new View(origin, new GrowingTree("a "), 5);
    View b = new View(origin, new GrowingTree("b "), 5);
    List<Witness> witnesses = witnesses(2, 2);
    Attack result = attack(witnesses, a, b);

    // 2k = 6 is not more than n + f = 6: both views reach 3 of 4, as the analysis says.
    assertThat(result.accepted(policy(origin, witnesses))).as(result.describe()).hasSize(2);
    assertEvidenceKept(origin, 0, 1);
  }

  @Test
  void twoColludingWitnessesSplitHistoryToo() throws Exception {
    String origin = "example.com/diverging-f2";
    GrowingTree base = new GrowingTree("shared ");
    List<Witness> witnesses = witnesses(2, 2);
    for (Witness w : witnesses) {
      assertThat(offer(w, new View(origin, base, 2))).isNotNull();
    }
    View a = new View(origin, base, 4);
    View b = new View(origin, GrowingTree.divergingFrom("shared ", 2, "fork "), 9);
    Attack result = attack(witnesses, a, b);

    assertThat(result.accepted(policy(origin, witnesses))).as(result.describe()).hasSize(2);
  }

  /** One signed view of the log: a checkpoint of {@code tree} at {@code size}. */
  private record View(String origin, GrowingTree tree, long size) {
    byte[] note() {
      return SignedNote.sign(new Checkpoint(origin, size, tree.root(size)).format(),
          List.of(LOG_KEYS.get(origin).signer())).encode();
    }
  }

  /** The cosignature lines each view collected. */
  private record Attack(View a, View b, Map<View, List<String>> lines) {
    /** The views whose checkpoint, with the cosignatures it collected, the policy accepts. */
    List<View> accepted(Policy policy) {
      List<View> accepted = new ArrayList<>();
      for (View v : List.of(a, b)) {
        StringBuilder note = new StringBuilder(new String(v.note(), StandardCharsets.UTF_8));
        lines.get(v).forEach(l -> note.append(l).append('\n'));
        try {
          LogVerifier.of(policy).acceptingAnyKeyType()
              .verifyCheckpoint(note.toString().getBytes(StandardCharsets.UTF_8));
          accepted.add(v);
        } catch (VerificationException e) {
          assertThat(e.reason()).as(e.getMessage())
              .isEqualTo(VerificationException.Reason.QUORUM_NOT_MET);
        }
      }
      return accepted;
    }

    String describe() {
      return "view A (size " + a.size() + ") got " + lines.get(a).size() + " lines, view B (size "
          + b.size() + ") got " + lines.get(b).size();
    }
  }

  /**
   * Offers both views to every witness: half of the honest witnesses see A first, the rest B
   * first, and each is offered the other view right after; the colluding ones cosign both.
   */
  private static Attack attack(List<Witness> witnesses, View a, View b) throws Exception {
    Map<View, List<String>> lines = new HashMap<>(Map.of(a, new ArrayList<>(),
        b, new ArrayList<>()));
    for (int i = 0; i < witnesses.size(); i++) {
      Witness w = witnesses.get(i);
      View first = i % 2 == 0 ? a : b;
      View second = first == a ? b : a;
      for (View v : List.of(first, second)) {
        String answer = offer(w, v);
        if (answer != null) {
          answer.lines().forEach(lines.get(v)::add);
        }
      }
    }
    return new Attack(a, b, lines);
  }

  /**
   * Offers a view to a witness as a log would: from the size the witness last cosigned (asked
   * with a 409 first), with the view's consistency proof from it.
   *
   * @return the cosignature lines, or null if the witness refused (409 twice or 422)
   */
  private static String offer(Witness w, View v) throws Exception {
    long old = 0;
    for (int attempt = 0; attempt < 2; attempt++) {
      byte[] body = new AddCheckpoint(old, v.tree().consistency(old, v.size()), v.note())
          .encode();
      HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(w.base()
          .resolve("add-checkpoint")).POST(HttpRequest.BodyPublishers.ofByteArray(body))
          .build(), HttpResponse.BodyHandlers.ofByteArray());
      switch (r.statusCode()) {
        case 200 -> {
          return new String(r.body(), StandardCharsets.UTF_8);
        }
        case 409 -> {
          OptionalLong size = AddCheckpoint.parseSizeBody(r.body());
          assertThat(size).as("409 body of " + w.name()).isPresent();
          if (size.getAsLong() > v.size()) {
            return null; // the witness is past this view: nothing to offer
          }
          old = size.getAsLong();
        }
        case 422 -> {
          return null;
        }
        default -> throw new AssertionError(w.name() + " answered " + r.statusCode() + ": "
            + new String(r.body(), StandardCharsets.UTF_8));
      }
    }
    return null;
  }

  /** {@code honest} Cairn witnesses and {@code colluding} ones, in that order. */
  private static List<Witness> witnesses(int honest, int colluding) throws IOException {
    List<Witness> all = new ArrayList<>();
    for (int i = 0; i < honest; i++) {
      Path vkeys = tmp.resolve("honest" + (i + 1)).resolve("witness.vkey");
      all.add(new Witness("honest" + (i + 1), HONEST.get(i).base(),
          Files.readAllLines(vkeys).stream().map(VerifierKey::parse).toList()));
    }
    for (int i = 0; i < colluding; i++) {
      Colluder c = COLLUDING.get(i);
      all.add(new Witness("colluding" + (i + 1), c.base, List.of(c.key.verifierKey())));
    }
    return all;
  }

  /**
   * 3 of the 4 witnesses, each witness counting when all its keys cosigned (a Cairn witness
   * signs with Ed25519 and ML-DSA-44).
   */
  private static Policy policy(String origin, List<Witness> witnesses) {
    StringBuilder p = new StringBuilder("log ")
        .append(LOG_KEYS.get(origin).verifierKey().encode()).append('\n');
    List<String> groups = new ArrayList<>();
    for (Witness w : witnesses) {
      List<String> members = new ArrayList<>();
      for (int k = 0; k < w.keys().size(); k++) {
        String name = w.name() + "-" + k;
        p.append("witness ").append(name).append(' ').append(w.keys().get(k).encode())
            .append('\n');
        members.add(name);
      }
      p.append("group ").append(w.name()).append(" all ").append(String.join(" ", members))
          .append('\n');
      groups.add(w.name());
    }
    p.append("group quorum 3 ").append(String.join(" ", groups)).append('\n');
    return Policy.parse(p.append("quorum quorum\n").toString());
  }

  /** Each of these honest Cairn witnesses (by index) kept evidence for {@code origin}. */
  private static void assertEvidenceKept(String origin, int... honest) throws Exception {
    for (int i : honest) {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(HONEST.get(i).base()
          .resolve("evidence")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).as("evidence of honest" + (i + 1)).contains(origin);
    }
  }

  /** A witness that cosigns whatever it is offered: what a colluding witness does. */
  private static final class Colluder implements AutoCloseable {
    final SignerKey key;
    final HttpServer server;
    final URI base;

    Colluder(String name) throws IOException {
      key = SignerKey.generate(name, SignatureType.COSIGNATURE_V1, new SecureRandom());
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext("/add-checkpoint", x -> {
        byte[] text = SignedNote.parse(AddCheckpoint.parse(x.getRequestBody().readAllBytes())
            .note()).text().getBytes(StandardCharsets.UTF_8);
        byte[] line = (new NoteSignature(key.name(), key.keyId(), key.signer().sign(text))
            .line() + "\n").getBytes(StandardCharsets.UTF_8);
        x.sendResponseHeaders(200, line.length);
        x.getResponseBody().write(line);
        x.close();
      });
      server.start();
      base = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
