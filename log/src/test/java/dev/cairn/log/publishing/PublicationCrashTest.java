package dev.cairn.log.publishing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.log.sequencing.Sequencer;
import dev.cairn.log.sequencing.SequencerConfig;
import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.ObjectStoreReader;
import dev.cairn.log.storage.StoredCheckpoint;
import dev.cairn.log.testing.MemoryLog;
import dev.cairn.log.testing.Poll;
import dev.cairn.note.SignedNote;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TileLayout;
import dev.cairn.tile.TilePath;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A crash at every write of a publication — the integration of what was sequenced (objects, the
 * integrated head, the sequence log's cleanup), the swap (the checkpoint, its history entry),
 * the checkpoint object and the collection of partial tiles — each once before and once after
 * the write reached storage. After every one, a restart leaves the store consistent: no object
 * was ever written over, the latest checkpoint is in the history and is the object store's
 * {@code checkpoint}, every checkpoint in the history has all its tiles and bundles (a static
 * copy serves each), and every acknowledged entry is in the log.
 */
class PublicationCrashTest {
  private static final SequencerConfig CONFIG =
      new SequencerConfig(Duration.ofMillis(1), 1000, 100_000);
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  @ParameterizedTest(name = "crash after the write landed: {0}")
  @ValueSource(booleans = {false, true})
  void aCrashAtEveryWriteOfAPublicationLeavesTheStoreConsistent(boolean afterWrite)
      throws Exception {
    Set<String> crashed = new HashSet<>();
    int steps = 0;
    for (int n = 1; ; n++) {
      String where = crashAt(n, afterWrite);
      if (where == null) {
        steps = n - 1;
        break;
      }
      crashed.add(where.replaceAll("[0-9]+", "N"));
    }
    assertThat(steps).as("writes in one publication").isGreaterThan(8);
    assertThat(crashed).as("kinds of writes crashed at")
        .anyMatch(w -> w.contains("object store write"))
        .anyMatch(w -> w.contains("tree state save"))
        .anyMatch(w -> w.contains("checkpoint swap"))
        .anyMatch(w -> w.contains("history append"))
        .anyMatch(w -> w.contains("checkpoint object write"))
        .anyMatch(w -> w.contains(".p/"));
  }

  /**
   * Publishes a log of 300 entries, sequences 250 more while the object store holds its writes,
   * crashes at the {@code n}th write from the moment it lets them go, restarts and checks.
   * Returns where it crashed, or null if the publication needed fewer than {@code n} writes.
   */
  private static String crashAt(int n, boolean afterWrite) throws Exception {
    try (MemoryLog log = new MemoryLog(CONFIG)) {
      Sequencer s = log.start();
      List<String> entries = new ArrayList<>();
      add(s, entries, 300);
      Publisher p = log.openPublisher();
      assertThat(p.latest().checkpoint().size()).isEqualTo(300);

      // The integrator takes the next batch's objects and waits at its first write, holding
      // integration: the crash then counts every write of integration and publication in order.
      log.objects().hold();
      List<CompletableFuture<Sequencer.Added>> pending = submit(s, entries, 250);
      log.objects().awaitHeldPut(DEADLINE);
      for (CompletableFuture<Sequencer.Added> f : pending) {
        f.get(10, TimeUnit.SECONDS); // committed: acknowledged before the crash
      }
      log.crash().arm(n, afterWrite);
      log.objects().release();
      try {
        p.publish();
      } catch (java.io.IOException e) {
        // the crash
      }
      Poll.until("the integrator to stop writing", DEADLINE,
          () -> log.crash().happened() || s.integrated().size() == 550);
      String where = log.crash().happened() ? log.crash().where() : null;
      log.close(); // the "process" is gone: its writes fail from the crash on
      log.crash().revive();

      log.start();
      log.openPublisher();
      check(log, entries, where);
      return where;
    }
  }

  private static List<CompletableFuture<Sequencer.Added>> submit(Sequencer s,
      List<String> entries, int n) {
    List<byte[]> batch = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String e = "entry " + entries.size();
      entries.add(e);
      batch.add(e.getBytes(UTF_8));
    }
    return s.addAll(batch);
  }

  private static void add(Sequencer s, List<String> entries, int n) throws Exception {
    for (CompletableFuture<Sequencer.Added> f : submit(s, entries, n)) {
      f.get(10, TimeUnit.SECONDS);
    }
  }

  private static void check(MemoryLog log, List<String> entries, String where) throws Exception {
    String at = "crashed " + where;
    assertThat(log.memoryObjects().conflicts()).as("%s: objects written over", at).isZero();
    StoredCheckpoint latest = log.coordinator().latest().orElseThrow();
    Checkpoint c = Checkpoint.parse(SignedNote.parse(latest.note()).text());
    assertThat(c.size()).as("%s: the latest checkpoint covers every acknowledged entry", at)
        .isEqualTo(entries.size());
    assertThat(log.memoryObjects().get(ObjectStore.CHECKPOINT)).as(at)
        .hasValueSatisfying(o -> assertThat(o).isEqualTo(latest.note()));
    List<CheckpointHistory.Entry> history = log.coordinator().history()
        .list(-1, 1000, Instant.EPOCH, Instant.MAX);
    assertThat(history.getLast().note()).as("%s: the latest is in the history", at)
        .isEqualTo(latest.note());
    // Read as a static copy of the object store would serve it: exact paths, or the full tile.
    ObjectStoreReader stat = new ObjectStoreReader(log.memoryObjects(), "the memory log");
    for (CheckpointHistory.Entry e : history) {
      Checkpoint h = Checkpoint.parse(SignedNote.parse(e.note()).text());
      assertThat(stat.treeHash(h.size())).as("%s: the root of the checkpoint at %d", at,
          h.size()).isEqualTo(h.root());
      readEverything(stat, h.size());
    }
    List<byte[]> stored = log.entries(entries.size());
    for (int i = 0; i < entries.size(); i++) {
      assertThat(new String(stored.get(i), UTF_8)).as("%s: entry %d", at, i)
          .isEqualTo(entries.get(i));
    }
  }

  /** Reads every tile and bundle a client of the checkpoint of {@code size} may fetch. */
  private static void readEverything(ObjectStoreReader stat, long size) throws Exception {
    for (long first = 0; first < size; first += TilePath.FULL_WIDTH) {
      EntryBundle b = TileLayout.bundleFor(first, size);
      assertThat(stat.entries(b)).hasSize(b.width());
    }
    for (int level = 0; TileLayout.hashesAtLevel(level, size) > 0; level++) {
      long hashes = TileLayout.hashesAtLevel(level, size);
      for (long first = 0; first < hashes; first += TilePath.FULL_WIDTH) {
        HashTile t = TileLayout.tileFor(level, first, size);
        assertThat(stat.readTile(t)).hasSize(t.width() * 32);
      }
    }
  }
}
