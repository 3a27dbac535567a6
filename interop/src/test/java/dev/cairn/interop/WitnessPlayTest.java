package dev.cairn.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cairn.note.SignatureType;
import dev.cairn.note.VerifierKey;
import dev.cairn.policy.Policy;
import dev.cairn.verify.LogVerifier;
import dev.cairn.verify.VerifiedCheckpoint;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A log written in Go ({@code go/witnesscheck play}: sumdb/note keys and signatures, its own
 * RFC 6962 tree checked against sumdb/tlog) against {@code cairn witness serve} in a JVM of its
 * own, over real HTTP on loopback: every tlog-witness answer (200 with both cosignatures, 409
 * with the stored size, 400, 422 for a bad proof and for another root at the same size, 404,
 * 403) in the order the witness's stored size makes them right. Cairn's verifier then checks
 * the witness's first cosignatures, the ML-DSA-44 one included, which Go 1.19 cannot.
 *
 * <p>Skipped while the witness is not on the class path.
 */
class WitnessPlayTest {
  private static final String WITNESS_COMMAND = "dev.cairn.cli.WitnessCommand";
  private static final String ORIGIN = "go.example/witnessed";
  private static final String NAME = "witness.example/cairn";

  @TempDir Path dir;

  @Test
  void aGoLogGetsEveryTlogWitnessAnswerFromCairnsWitness() throws Exception {
    assumeTrue(onClassPath(WITNESS_COMMAND), WITNESS_COMMAND + " is not on the class path:"
        + " this test needs cairn witness serve, and runs once the witness is merged");
    Path witnesscheck = GoTool.program("witnesscheck");
    GoTool.Result keygen = GoTool.run(witnesscheck, "keygen", "-name", ORIGIN,
        "-out", dir.toString());
    assertThat(keygen.exitCode()).as(keygen.describe()).isZero();
    String logVkey = Files.readString(dir.resolve("log.vkey")).strip();
    Path logs = Files.writeString(dir.resolve("logs"), "log " + logVkey + "\n");
    Path data = dir.resolve("witness");
    int port = ServerProcess.freePort();
    Path output = dir.resolve("witness.log");
    Process witness = new ProcessBuilder(ServerProcess.command("witness", "serve",
        "--data", data.toString(), "--listen", "127.0.0.1:" + port, "--name", NAME,
        "--logs", logs.toString()))
        .redirectErrorStream(true).redirectOutput(output.toFile()).start();
    try {
      awaitListening(witness, port, data.resolve("witness.vkey"), output);
      Path cosigned = dir.resolve("cosigned");
      GoTool.Result play = GoTool.run(witnesscheck, "play",
          "-skey", dir.resolve("log.skey").toString(),
          "-witness", "http://127.0.0.1:" + port,
          "-witness-vkeys", data.resolve("witness.vkey").toString(),
          "-cosigned", cosigned.toString());
      assertThat(play.exitCode()).as(play.describe() + ServerProcess.excerpt(output)).isZero();
      assertThat(play.stdout()).isEqualTo("""
          first checkpoint, old 0: 200 ok
          stale old size 0: 409 ok
          old size 5 above the checkpoint's 3: 400 ok
          consistency proof 5 to 8 with a flipped bit: 422 ok
          size 5 with another root: 422 ok
          unknown origin: 404 ok
          signed by another key of the origin's name: 403 ok
          consistency proof 5 to 8: 200 ok
          size 8 again, old 8: 200 ok
          consistency proof 8 to 13: 200 ok
          stale old size 5: 409 ok
          all steps ok
          """);

      List<VerifierKey> keys = Files.readAllLines(data.resolve("witness.vkey")).stream()
          .filter(l -> !l.isBlank()).map(VerifierKey::parse).toList();
      assertThat(keys).extracting(VerifierKey::type).containsExactlyInAnyOrder(
          SignatureType.COSIGNATURE_V1, SignatureType.MLDSA44_SUBTREE_V1);
      assertThat(keys).extracting(VerifierKey::name).containsOnly(NAME);
      StringBuilder policy = new StringBuilder("log " + logVkey + "\n");
      for (VerifierKey k : keys) {
        policy.append("witness ").append(k.type() == SignatureType.COSIGNATURE_V1 ? "ed" : "ml")
            .append(' ').append(k.encode()).append('\n');
      }
      policy.append("group both all ed ml\nquorum both\n");
      VerifiedCheckpoint cp = LogVerifier.of(Policy.parse(policy.toString()))
          .verifyCheckpoint(Files.readAllBytes(cosigned));
      assertThat(cp.checkpoint().size()).isEqualTo(5);
      assertThat(cp.witnesses()).hasSize(2);
    } finally {
      witness.destroyForcibly();
      witness.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** Waits, with a deadline, for the witness to write its keys and accept connections. */
  private static void awaitListening(Process witness, int port, Path vkeys, Path output)
      throws InterruptedException {
    long deadline = System.nanoTime() + ServerProcess.READY_DEADLINE.toNanos();
    while (true) {
      if (keysWritten(vkeys) && accepts(port)) {
        return;
      }
      // The pause between polls doubles as the check that the witness still runs.
      if (witness.waitFor(25, TimeUnit.MILLISECONDS)) {
        fail("cairn witness serve exited with status " + witness.exitValue() + ":\n"
            + ServerProcess.excerpt(output));
      }
      if (System.nanoTime() > deadline) {
        fail("cairn witness serve did not listen within " + ServerProcess.READY_DEADLINE
            + ":\n" + ServerProcess.excerpt(output));
      }
    }
  }

  private static boolean keysWritten(Path vkeys) {
    try {
      return Files.exists(vkeys)
          && Files.readAllLines(vkeys).stream().filter(l -> !l.isBlank()).count() == 2;
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean onClassPath(String className) {
    try {
      Class.forName(className, false, WitnessPlayTest.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }
}
