package dev.cairn.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.cairn.note.VerifierKey;
import dev.cairn.verify.LogVerifier;
import dev.cairn.verify.VerificationException;
import dev.cairn.verify.VerifiedCheckpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stops {@code cairn serve} with SIGTERM, as Kubernetes does, while several clients write, and
 * checks the promise of a graceful stop: the process exits 0 within {@code shutdown_timeout};
 * once it says it no longer serves, a new connection is refused; and every entry acknowledged to
 * a client (a 200 with its index), before or after the signal, is in the checkpoint the log
 * published while stopping. The checkpoint interval is an hour (60m), so that only that final
 * publication can cover the entries written here.
 */
class GracefulShutdownTest {
  private static final int WRITERS = 6;
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(20);
  /** JVM exit after the stop, on a busy two-core machine. */
  private static final Duration EXIT_SLACK = Duration.ofSeconds(5);
  private static final Duration DEADLINE = Duration.ofSeconds(60);
  private static final long WRITES_BEFORE_SIGNAL = 500;
  private static final Path BUILD =
      Path.of(System.getProperty("cairn.interop.buildDirectory", "target")).toAbsolutePath();

  @Test
  void sigtermFinishesWritesPublishesThemAndExitsZero(@TempDir Path tmp) throws Exception {
    Path data = tmp.resolve("data");
    Path output = BUILD.resolve("shutdown-logs").resolve("serve.log");
    Files.deleteIfExists(output);
    Ledger ledger = new Ledger();
    AtomicBoolean signalled = new AtomicBoolean();
    AtomicLong refusedAfterSignal = new AtomicLong();
    AtomicLong acknowledgedAfterSignal = new AtomicLong();
    Queue<String> failures = new ConcurrentLinkedQueue<>();
    List<Thread> writers = new ArrayList<>();
    try (ServerProcess server = ServerProcess.start(data, output, List.of(
        "--origin", "cairn.example/shutdown",
        "--checkpoint-interval", "60m",
        "--shutdown-timeout", SHUTDOWN_TIMEOUT.toSeconds() + "s"))) {
      for (int w = 0; w < WRITERS; w++) {
        int writer = w;
        Random random = new Random(w);
        writers.add(Thread.ofVirtual().name("writer-" + w).start(() -> {
          try (LogClient client = server.client(java.util.Optional.empty())) {
            for (long n = 0; ; ) {
              int count = random.nextInt(4) == 0 ? 2 + random.nextInt(31) : 1;
              List<byte[]> entries = new ArrayList<>();
              for (int i = 0; i < count; i++) {
                entries.add(("shutdown writer " + writer + " #" + n++)
                    .getBytes(StandardCharsets.US_ASCII));
              }
              boolean after = signalled.get();
              try {
                List<Long> indices = count == 1 ? List.of(client.add(entries.get(0)))
                    : client.addBatch(entries);
                for (int i = 0; i < count; i++) {
                  ledger.acknowledge(indices.get(i), entries.get(i));
                }
                if (after) {
                  acknowledgedAfterSignal.addAndGet(count);
                }
              } catch (LogClient.BadAnswer e) {
                if (!e.isPushback()) {
                  failures.add("writer " + writer + ": " + e.getMessage());
                  return;
                }
                if (after) {
                  refusedAfterSignal.incrementAndGet();
                }
              } catch (IOException e) {
                if (!signalled.get()) {
                  failures.add("writer " + writer + " lost its connection before SIGTERM: "
                      + e);
                }
                return;
              }
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }));
      }
      await("the writers to have " + WRITES_BEFORE_SIGNAL + " entries acknowledged",
          () -> ledger.acknowledged().size() >= WRITES_BEFORE_SIGNAL || !failures.isEmpty(),
          server);
      assertThat(failures).as("failures before SIGTERM").isEmpty();

      signalled.set(true);
      long signalledAt = System.nanoTime();
      server.signal("TERM");
      // Stopped serving: a new connection is refused from now on.
      await("cairn serve to say it no longer serves", () -> {
        try {
          return server.printed("cairn: no longer serving");
        } catch (IOException e) {
          return false;
        }
      }, server);
      try (LogClient late = server.client(java.util.Optional.empty())) {
        late.add("after the stop".getBytes(StandardCharsets.US_ASCII));
        fail("a write after the server stopped serving was acknowledged");
      } catch (IOException expected) {
        // Refused: nothing listens any more.
      }
      OptionalInt status = server.exitWithin(SHUTDOWN_TIMEOUT.plus(EXIT_SLACK));
      long tookMs = (System.nanoTime() - signalledAt) / 1_000_000;
      if (status.isEmpty()) {
        fail("cairn serve still ran " + tookMs + " ms after SIGTERM:\n" + server.excerpt());
      }
      assertThat(status.getAsInt()).as("exit status after SIGTERM\n" + server.excerpt())
          .isZero();
      assertThat(server.printed("cairn: stopped")).as(server.excerpt()).isTrue();
      for (Thread t : writers) {
        if (!t.join(DEADLINE)) {
          failures.add(t.getName() + " did not stop within " + DEADLINE + " of the exit");
        }
      }
      assertThat(failures).as("writers' failures").isEmpty();
      System.out.printf("GracefulShutdownTest: %d entries acknowledged (%d after SIGTERM),"
          + " %d writes refused with 503 after it, exit 0 after %d ms%n",
          ledger.acknowledged().size(), acknowledgedAfterSignal.get(),
          refusedAfterSignal.get(), tookMs);
    }

    // The checkpoint the stopping log left behind, read from its data directory.
    List<VerifierKey> keys = Files.readAllLines(data.resolve("log.vkey"), StandardCharsets.UTF_8)
        .stream().filter(l -> !l.isBlank()).map(VerifierKey::parse).toList();
    byte[] note = Files.readAllBytes(data.resolve("checkpoint"));
    VerifiedCheckpoint last;
    try {
      last = LogVerifier.ofLogKeys(keys).verifyCheckpoint(note);
    } catch (VerificationException e) {
      throw new AssertionError("the final checkpoint does not verify: " + e.getMessage());
    }
    long lastAcknowledged = ledger.lastAcknowledged();
    assertThat(last.checkpoint().size())
        .as("the final checkpoint's size; index %d was acknowledged", lastAcknowledged)
        .isGreaterThan(lastAcknowledged);
    // Its tiles hold that tree: cairn verify replays every entry against it.
    CairnCli.Result verify = CairnCli.run("verify", "--data", data.toString());
    assertThat(verify.code()).as(verify.describe()).isZero();

    // Every acknowledged entry is at its index in that checkpoint's tree (the log's bundles).
    Path output2 = BUILD.resolve("shutdown-logs").resolve("serve-again.log");
    try (ServerProcess again = ServerProcess.start(data, output2, List.of(
        "--checkpoint-interval", "60m"))) {
      try (LogClient client = again.client(java.util.Optional.empty())) {
        byte[] served = client.checkpoint();
        assertThat(new String(served, StandardCharsets.UTF_8))
            .as("the checkpoint served after a restart is the one published at the stop")
            .isEqualTo(new String(note, StandardCharsets.UTF_8));
        new RecoveryChecks(ledger, data.resolve("log.vkey"), new Random(1)).check(client);
      }
    }
  }

  private interface Condition {
    boolean holds() throws Exception;
  }

  private static void await(String what, Condition condition, ServerProcess server)
      throws Exception {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        fail("waited " + DEADLINE + " for " + what + ":\n" + server.excerpt());
      }
      Thread.sleep(10);
    }
  }
}
