package dev.cairn.witness;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two clients race, round after round, to advance the witness from the same old size (one by
 * one leaf, the other by two): check and persist are atomic, so exactly one of them gets 200 in
 * each round, and the stored size, watched all along, never decreases.
 */
class RaceTest {
  private static final int ROUNDS = 1000;

  @Test
  void exactlyOneCosignaturePerOldSize(@TempDir Path tmp) throws Exception {
    TestLog log = new TestLog("example.com/race");
    Path logs = tmp.resolve("logs");
    Files.writeString(logs, log.logLines());
    try (RunningWitness w = new RunningWitness(tmp.resolve("data"), logs);
        ExecutorService clients = Executors.newFixedThreadPool(3)) {
      AtomicLong old = new AtomicLong();
      long[][] statuses = new long[ROUNDS][2];
      ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
      int[] round = {0};
      CyclicBarrier done = new CyclicBarrier(2, () -> {
        long[] s = statuses[round[0]];
        long winners = (s[0] == 200 ? 1 : 0) + (s[1] == 200 ? 1 : 0);
        if (winners != 1) {
          problems.add("round " + round[0] + " from " + old.get() + ": " + s[0] + ", " + s[1]);
        }
        old.set(w.witness.size(log.origin));
        round[0]++;
      });
      CyclicBarrier go = new CyclicBarrier(2);
      log.tree.growTo(2 * ROUNDS + 2);
      AtomicBoolean running = new AtomicBoolean(true);
      Future<List<Long>> watcher = clients.submit(() -> {
        List<Long> decreases = new ArrayList<>();
        long last = 0;
        while (running.get()) {
          long now = w.witness.size(log.origin);
          if (now < last) {
            decreases.add(now);
          }
          last = now;
          Thread.yield();
        }
        return decreases;
      });
      List<Future<?>> racers = new ArrayList<>();
      for (int c = 0; c < 2; c++) {
        int client = c;
        racers.add(clients.submit(() -> {
          for (int r = 0; r < ROUNDS; r++) {
            long from = old.get();
            byte[] body = log.request(from, from + 1 + client);
            go.await();
            statuses[r][client] = w.post(body).status();
            done.await();
          }
          return null;
        }));
      }
      for (Future<?> f : racers) {
        f.get();
      }
      running.set(false);
      assertThat(watcher.get()).as("stored sizes seen to decrease").isEmpty();
      assertThat(problems).as("rounds without exactly one 200").isEmpty();
      assertThat(w.witness.size(log.origin)).isBetween((long) ROUNDS, 2L * ROUNDS);
      for (long[] s : statuses) {
        assertThat(s).containsAnyOf(409L).containsAnyOf(200L);
      }
    }
  }
}
