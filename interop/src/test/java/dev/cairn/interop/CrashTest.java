package dev.cairn.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.log.storage.TreeHead;
import dev.cairn.log.storage.embedded.LocalObjectStore;
import dev.cairn.log.storage.embedded.LocalTreeStateStore;
import dev.cairn.tile.TilePath;
import dev.cairn.verify.VerifiedCheckpoint;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills {@code cairn serve} with SIGKILL under sustained concurrent writes, round after round on
 * the same data directory, and checks after every restart that nothing the log acknowledged or
 * served was lost or changed (see {@link RecoveryChecks}); at the end the Go auditor checks the
 * whole log and every checkpoint ever served against it.
 *
 * <p>Each round starts the server in its own JVM, writes from several virtual threads, and kills
 * the server after a delay drawn from a seeded {@link Random}; one round in {@value
 * #STARTUP_KILL_ODDS} first kills a server while it is still starting (and recovering), and one
 * in two tears the tiles a crash of the machine could have lost (see {@link #tearUnsynced}).
 * The seed
 * is printed and can be given back. {@value #DEFAULT_ROUNDS} rounds by default; more with {@code
 * -Dcairn.crash.rounds=N} or {@code CAIRN_CRASH_ROUNDS=N}, a fixed seed with {@code
 * -Dcairn.crash.seed=S} or {@code CAIRN_CRASH_SEED=S}. Server output is kept per round in {@code
 * target/crash-logs/seed-<seed>/} and quoted in failure messages.
 */
class CrashTest {
  static final int DEFAULT_ROUNDS = 20;
  private static final int WRITERS = 6;
  private static final int MIN_KILL_DELAY_MS = 100;
  private static final int MAX_KILL_DELAY_MS = 800;
  /** One round in this many also kills a server while it starts, before the one that writes. */
  private static final int STARTUP_KILL_ODDS = 4;
  /** About the time a start takes here, so that such kills land before, in and after recovery. */
  private static final int MAX_STARTUP_KILL_DELAY_MS = 2_000;
  /** Tiles synced 200 ms after they are written: a kill finds some synced, some not. */
  private static final List<String> SERVE_OPTIONS = List.of(
      "--origin", "cairn.example/crash",
      "--sequencing-interval", "10ms",
      "--checkpoint-interval", "100ms",
      "--tile-sync-delay", "200ms");
  private static final Path BUILD =
      Path.of(System.getProperty("cairn.interop.buildDirectory", "target")).toAbsolutePath();

  /** One step of a round; failures get the round's context and server output attached. */
  @FunctionalInterface
  private interface Step {
    void run() throws IOException, InterruptedException;
  }

  @Test
  void acknowledgedWritesAndServedCheckpointsSurviveSigkill(@TempDir Path tmp) throws Exception {
    long seed = setting("cairn.crash.seed", "CAIRN_CRASH_SEED", new SecureRandom().nextLong());
    int rounds = (int) setting("cairn.crash.rounds", "CAIRN_CRASH_ROUNDS", DEFAULT_ROUNDS);
    System.out.printf("CrashTest: %d rounds, seed %d (repeat with -Dcairn.crash.seed=%d)%n",
        rounds, seed, seed);
    Random random = new Random(seed);
    Path data = tmp.resolve("data");
    Path outputs = BUILD.resolve("crash-logs").resolve("seed-" + seed);
    deleteRecursively(outputs);
    Ledger ledger = new Ledger();
    RecoveryChecks checks = null;
    List<Path> seen = new ArrayList<>();
    long started = System.nanoTime();

    for (int round = 1; round <= rounds + 1; round++) {
      boolean last = round > rounds;
      String context = "seed " + seed + (last ? ", after the last round" : ", round " + round
          + " of " + rounds);
      String startupKill = "";
      if (round > 1 && !last && random.nextInt(STARTUP_KILL_ODDS) == 0) {
        int delay = random.nextInt(MAX_STARTUP_KILL_DELAY_MS + 1);
        Path output = outputs.resolve(String.format("round-%03d-startup.log", round));
        seen.add(output);
        killDuringStartup(data, output, delay, context, lastOutputs(seen, 2));
        startupKill = ", after a kill " + delay + " ms into a start";
      }
      Path output = outputs.resolve(String.format("round-%03d.log", round));
      seen.add(output);
      List<Path> relevant = lastOutputs(seen, 3);
      try (ServerProcess server = ServerProcess.start(data, output, SERVE_OPTIONS);
          LogClient client = new LogClient(server.base())) {
        if (checks == null) {
          checks = new RecoveryChecks(ledger, data.resolve("log.vkey"), new Random(seed));
        }
        RecoveryChecks c = checks;
        VerifiedCheckpoint[] after = new VerifiedCheckpoint[1];
        step(context + ", checking the log " + (round == 1 ? "at its first start"
            : "restarted after the kill in round " + (round - 1)), relevant,
            () -> after[0] = c.check(client));
        if (last) {
          step(context + ", Go audit", relevant, () -> goAudit(client, ledger, data,
              tmp.resolve("previous")));
          System.out.printf("CrashTest: %d rounds in %d s, %d entries acknowledged, log size"
              + " %d, seed %d%n", rounds, (System.nanoTime() - started) / 1_000_000_000L,
              ledger.acknowledged().size(), after[0].checkpoint().size(), seed);
          return;
        }
        WriteLoad load = new WriteLoad(client, ledger, "crash " + seed + " round " + round,
            seed * 31 + round * 1_000L, WRITERS).start();
        int delay = MIN_KILL_DELAY_MS + random.nextInt(MAX_KILL_DELAY_MS - MIN_KILL_DELAY_MS + 1);
        Thread.sleep(delay);
        load.serverKilled();
        step(context + ", killing the server", relevant, server::kill);
        List<String> failures = load.awaitStopped();
        step(context + ", writing", relevant, () -> assertThat(failures)
            .as("what the writers saw before the kill").isEmpty());
        int[] torn = {0};
        long[] synced = {0};
        if (random.nextBoolean()) {
          step(context + ", tearing the tiles not synced", relevant, () -> {
            synced[0] = syncedSize(data);
            torn[0] = tearUnsynced(data, synced[0], random);
          });
        }
        System.out.printf("CrashTest: round %d: killed after %d ms, %d acknowledged (size was"
            + " %d at the restart%s)%s%n", round, delay, load.acknowledged(),
            after[0].checkpoint().size(), startupKill, torn[0] == 0 ? "" : "; tore " + torn[0]
            + " objects beyond size " + synced[0]);
      }
    }
  }

  /** The size up to which the tree state records the tiles as synced. */
  private static long syncedSize(Path data) throws IOException {
    try (LocalTreeStateStore state = new LocalTreeStateStore(data.resolve("tree-state"),
        data.resolve(".tmp"))) {
      return state.load().map(TreeHead::size).orElse(0L);
    }
  }

  /**
   * Does to the tiles and bundles not yet synced what a crash of the machine may do, and a
   * SIGKILL cannot (the kernel still writes back what the process wrote): each object beyond
   * the tree state's size is kept, cut short, zeroed or deleted, a quarter each. The next start
   * must write them again from the sequence log.
   */
  private static int tearUnsynced(Path data, long synced, Random random) throws IOException {
    Path tiles = data.resolve("tiles");
    int torn = 0;
    List<Path> files;
    try (Stream<Path> walk = Files.walk(tiles.resolve("tile"))) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    }
    for (Path f : files) {
      TilePath t = TilePath.parse(tiles.relativize(f).toString());
      if (LocalObjectStore.reach(t) <= synced) {
        continue;
      }
      long size = Files.size(f);
      switch (random.nextInt(4)) {
        case 0 -> {
          continue;
        }
        case 1 -> {
          try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(size == 0 ? 0 : random.nextLong(size));
          }
        }
        case 2 -> Files.write(f, new byte[(int) size]);
        default -> Files.delete(f);
      }
      torn++;
    }
    return torn;
  }

  /**
   * Launches the server and kills it {@code delay} ms later, whether it is still starting the
   * JVM, recovering the log, or already serving.
   */
  private static void killDuringStartup(Path data, Path output, int delay, String context,
      List<Path> outputs) throws IOException, InterruptedException {
    try (ServerProcess server = ServerProcess.launch(data, output, SERVE_OPTIONS)) {
      Thread.sleep(delay);
      step(context + ", killing the server " + delay + " ms after its launch", outputs,
          server::kill);
    }
  }

  /**
   * The Go auditor against the live server: checkpoint, tiles, every bundle, and every
   * checkpoint ever served or listed in the history as a -previous, with the server's own
   * consistency and inclusion proofs checked too.
   */
  private static void goAudit(LogClient client, Ledger ledger, Path data, Path previous)
      throws IOException, InterruptedException {
    Files.createDirectories(previous);
    int n = 0;
    for (byte[] note : ledger.servedNotes()) {
      Files.write(previous.resolve(String.format("served-%06d", n++)), note);
    }
    for (LogClient.HistoryEntry e : client.history(1_000)) {
      if (!ledger.wasServed(e.note())) {
        Files.write(previous.resolve(String.format("history-%012d", e.size())), e.note());
      }
    }
    int count;
    try (Stream<Path> files = Files.list(previous)) {
      count = (int) files.count();
    }
    String vkey = Files.readAllLines(data.resolve("log.vkey"), StandardCharsets.UTF_8).get(0);
    GoTool.Result r = GoTool.run(GoTool.program("auditor"), "-vkey", vkey, "-api",
        "-previous", previous.toString(), client.base().toString());
    assertThat(r.exitCode()).as(r::describe).isZero();
    assertThat(r.stdout()).as(r::describe)
        .contains("tree hash ok\n", "tiles ok\n", "previous " + count + " consistent ok\n",
            "server proofs inclusion=16 consistency=");
    r.stdout().lines().forEach(l -> System.out.println("CrashTest: Go auditor: " + l));
  }

  private static void step(String context, List<Path> outputs, Step step)
      throws InterruptedException {
    try {
      step.run();
    } catch (AssertionError | IOException | RuntimeException e) {
      StringBuilder message = new StringBuilder(context).append(": ").append(e.getMessage())
          .append("\n\nserver output:\n");
      outputs.forEach(p -> message.append(ServerProcess.excerpt(p)));
      throw new AssertionError(message.toString(), e);
    }
  }

  /** The last {@code n} server outputs, the ones a failure now can concern. */
  private static List<Path> lastOutputs(List<Path> outputs, int n) {
    return List.copyOf(outputs.subList(Math.max(0, outputs.size() - n), outputs.size()));
  }

  /** A system property, else an environment variable, else the default. */
  private static long setting(String property, String variable, long absent) {
    String v = System.getProperty(property);
    if (v == null || v.isBlank()) {
      v = System.getenv(variable);
    }
    return v == null || v.isBlank() ? absent : Long.parseLong(v.strip());
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
