package dev.cairn.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifiedNote;
import dev.cairn.note.VerifierKey;
import dev.cairn.note.VerifierSet;
import dev.cairn.testing.GrowingTree;
import dev.cairn.witnessing.AddCheckpoint;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills {@code cairn witness serve} with SIGKILL while two clients load it with add-checkpoint
 * requests, a few rounds on one data directory, and checks after each restart that the witness
 * forgot nothing it answered: the latest checkpoint it serves is at least every size it
 * cosigned with a 200, and never smaller than after the previous restart. One client also
 * offers forks now and then (a proof that fails, the same size with another root), which must
 * never be cosigned; at the end every cosignature answered is verified, and no size was
 * cosigned with two roots. The seed is printed; give it back with {@code -Dcairn.crash.seed=S}.
 */
class WitnessCrashTest {
  private static final int KILLS = 4;
  private static final int MIN_KILL_DELAY_MS = 300;
  private static final int MAX_KILL_DELAY_MS = 1500;
  private static final String ORIGIN = "example.com/witnessed";
  private static final Path BUILD =
      Path.of(System.getProperty("cairn.interop.buildDirectory", "target")).toAbsolutePath();

  /** A 200 answer: what was cosigned, and the cosignature lines. */
  private record Answered(long size, Hash root, String text, String cosignatures) {}

  @Test
  void noCosignatureIsForgottenAfterSigkill(@TempDir Path tmp) throws Exception {
    long seed = Long.getLong("cairn.crash.seed", new SecureRandom().nextLong());
    System.out.printf("WitnessCrashTest: seed %d (repeat with -Dcairn.crash.seed=%d)%n", seed,
        seed);
    Random random = new Random(seed);
    SignerKey logKey = SignerKey.generate(ORIGIN, SignatureType.ED25519, new SecureRandom());
    Path logs = tmp.resolve("logs");
    Files.writeString(logs, "log " + logKey.verifierKey().encode() + "\n");
    Path data = tmp.resolve("data");
    Path outputs = BUILD.resolve("crash-logs").resolve("witness-seed-" + seed);
    GrowingTree tree = new GrowingTree("entry ");
    Queue<Answered> answered = new ConcurrentLinkedQueue<>();
    Queue<String> problems = new ConcurrentLinkedQueue<>();
    long lastServed = 0;
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    for (int round = 0; round <= KILLS; round++) {
      Path output = outputs.resolve("round-" + round + ".log");
      try (ServerProcess w = ServerProcess.startWitness(data, output, List.of(
          "--logs", logs.toString(), "--rate-limit-log", "0",
          "--rate-limit-address", "0"))) {
        long served = servedSize(http, w.base(), tree, problems);
        long mostAnswered = answered.stream().mapToLong(Answered::size).max().orElse(0);
        String context = "round " + round + ", seed " + seed + "\n" + w.excerpt();
        assertThat(served).as("served size after restart vs. the previous one; " + context)
            .isGreaterThanOrEqualTo(lastServed);
        assertThat(served).as("served size after restart vs. every size answered 200; "
            + context).isGreaterThanOrEqualTo(mostAnswered);
        lastServed = served;
        if (round == KILLS) {
          break;
        }
        AtomicBoolean killed = new AtomicBoolean();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
          boolean forks = c == 1;
          long clientSeed = random.nextLong();
          clients.add(Thread.ofPlatform().start(() -> load(http, w.base(), logKey, tree,
              served, forks, new Random(clientSeed), killed, answered, problems)));
        }
        Thread.sleep(MIN_KILL_DELAY_MS + random.nextInt(MAX_KILL_DELAY_MS - MIN_KILL_DELAY_MS));
        w.kill();
        killed.set(true);
        for (Thread t : clients) {
          t.join(Duration.ofSeconds(30));
          assertThat(t.isAlive()).as("a client still runs 30 s after the kill").isFalse();
        }
      }
    }

    assertThat(problems).as("seed " + seed).isEmpty();
    assertThat(answered).as("some requests were cosigned").isNotEmpty();
    VerifierSet witness = VerifierSet.ofKeys(Files.readAllLines(data.resolve("witness.vkey"))
        .stream().map(VerifierKey::parse).toList());
    Map<Long, Hash> rootBySize = new HashMap<>();
    for (Answered a : answered) {
      VerifiedNote v = SignedNote.parse((a.text() + "\n" + a.cosignatures())
          .getBytes(StandardCharsets.UTF_8)).open(witness);
      assertThat(v.verified()).as("both cosignatures of size " + a.size()).hasSize(2);
      Hash earlier = rootBySize.putIfAbsent(a.size(), a.root());
      assertThat(earlier == null || earlier.equals(a.root()))
          .as("size " + a.size() + " cosigned with two roots").isTrue();
      assertThat(a.root()).as("a fork was cosigned at size " + a.size())
          .isEqualTo(tree.root(a.size()));
    }
    System.out.printf("WitnessCrashTest: %d cosignatures over %d kills, latest size %d%n",
        answered.size(), KILLS, lastServed);
  }

  /**
   * Sends add-checkpoint requests until the witness is killed: each tries to advance by 1 to 3
   * leaves from the size it believes was last cosigned (a 409 says which it is).
   */
  private static void load(HttpClient http, URI base, SignerKey key, GrowingTree tree,
      long start,
      boolean forks, Random random, AtomicBoolean killed, Queue<Answered> answered,
      Queue<String> problems) {
    long belief = start;
    while (!killed.get()) {
      boolean fork = forks && belief > 0 && random.nextInt(8) == 0;
      long size = fork && random.nextBoolean() ? belief : belief + 1 + random.nextInt(3);
      Hash root = fork ? Hasher.threadLocal().leaf(longBytes(random.nextLong()))
          : tree.root(size);
      String text = new Checkpoint(ORIGIN, size, root).format();
      byte[] note = SignedNote.sign(text, List.of(key.signer())).encode();
      byte[] body = new AddCheckpoint(belief, tree.consistency(belief, size), note).encode();
      HttpResponse<String> r;
      try {
        r = http.send(HttpRequest.newBuilder(base.resolve("add-checkpoint"))
            .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build(), HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        continue; // killed mid-request, or not yet seen as killed: no answer, no claim
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      switch (r.statusCode()) {
        case 200 -> {
          answered.add(new Answered(size, root, text, r.body()));
          if (fork) {
            problems.add("a fork of size " + size + " was cosigned");
          }
          belief = size;
        }
        case 409 -> belief = Long.parseLong(r.body().strip());
        case 422 -> {
          if (!fork) {
            problems.add("422 for a consistent checkpoint " + belief + " -> " + size + ": "
                + r.body());
          }
        }
        default -> problems.add(r.statusCode() + " for " + belief + " -> " + size + ": "
            + r.body());
      }
    }
  }

  /** The size of the checkpoint served as the latest cosigned, 0 if none; checks its root. */
  private static long servedSize(HttpClient http, URI base, GrowingTree tree,
      Queue<String> problems)
      throws Exception {
    String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(ORIGIN.getBytes(StandardCharsets.UTF_8)));
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(hex + "/checkpoint"))
        .build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() == 404) {
      return 0;
    }
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    Checkpoint c = Checkpoint.parse(SignedNote.parse(r.body().getBytes(StandardCharsets.UTF_8))
        .text());
    if (!c.root().equals(tree.root(c.size()))) {
      problems.add("the witness serves a fork at size " + c.size());
    }
    return c.size();
  }

  private static byte[] longBytes(long v) {
    return java.nio.ByteBuffer.allocate(8).putLong(v).array();
  }
}
