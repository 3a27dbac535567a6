package dev.cairn.log.sequencing;

import dev.cairn.log.PushbackException;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.merkle.Hasher;
import dev.cairn.log.publishing.Publisher;
import dev.cairn.log.sequencing.Sequencer.Added;
import dev.cairn.log.storage.TreeHead;
import dev.cairn.log.storage.embedded.HashDedupIndex;
import dev.cairn.log.testing.Fault;
import dev.cairn.log.testing.MemoryLog;
import dev.cairn.testing.NaiveTree;
import dev.cairn.log.testing.Poll;
import dev.cairn.tile.Bundles;
import dev.cairn.tile.TileLayout;
import dev.cairn.tile.TilePath;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The sequencer over in-memory stores with injected faults: indices are dense and final once
 * acknowledged, entries are where their index says, duplicates get the first index, and a
 * restart continues exactly where the last commit left off.
 */
class SequencerTest {
  private final MemoryLog log = new MemoryLog(MemoryLog.FAST);

  @AfterEach
  void close() {
    log.close();
  }

  private static byte[] entry(String text) {
    return text.getBytes(UTF_8);
  }

  private static Added await(CompletableFuture<Added> f) {
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("submission failed or timed out", e);
    }
  }

  private static List<Added> awaitAll(List<CompletableFuture<Added>> fs) {
    return fs.stream().map(SequencerTest::await).toList();
  }

  private static void assertPushbackMentions(CompletableFuture<Added> f, String text) {
    assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(PushbackException.class)
        .hasMessageContaining(text);
  }

  private static void assertPushback(CompletableFuture<Added> f) {
    assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(PushbackException.class)
        .hasMessageContaining("could not store");
  }

  /**
   * Asserts that the sequenced tree is exactly {@code expected}: the bundles hold each entry at
   * its index, and the committed root, the reference tree's root and the stored tiles' root agree.
   */
  private void assertLogHolds(List<byte[]> expected) throws IOException {
    assertThat(log.sequencer().integrateNow()).as("tiles written").isTrue();
    TreeHead head = log.sequencer().sequenced();
    assertThat(log.sequencer().integrated()).isEqualTo(head);
    assertThat(head.size()).as("sequenced size").isEqualTo(expected.size());
    List<byte[]> stored = log.entries(head.size());
    NaiveTree reference = new NaiveTree();
    for (int i = 0; i < expected.size(); i++) {
      assertThat(stored.get(i)).as("entry %d", i).isEqualTo(expected.get(i));
      reference.add(expected.get(i));
    }
    assertThat(head.root()).as("committed root").isEqualTo(reference.root(expected.size()));
    assertThat(log.tileRoot(head.size())).as("root from the stored tiles").isEqualTo(head.root());
  }

  @Test
  void concurrentAddsGetDistinctDenseIndicesAndEachEntryIsStoredAtItsIndex() throws Exception {
    Sequencer s = log.start();
    int threads = 64;
    int perThread = 40;
    Map<Long, byte[]> byIndex = new ConcurrentHashMap<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> tasks = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        tasks.add(pool.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            byte[] e = entry("thread " + thread + " entry " + i);
            Added a = await(s.add(e));
            assertThat(a.duplicate()).isFalse();
            assertThat(byIndex.putIfAbsent(a.index(), e)).as("index %d given twice", a.index())
                .isNull();
          }
          return null;
        }));
      }
      for (Future<?> f : tasks) {
        f.get();
      }
    }
    int n = threads * perThread;
    assertThat(byIndex.keySet())
        .containsExactlyInAnyOrderElementsOf(LongStream.range(0, n).boxed().toList());
    assertLogHolds(LongStream.range(0, n).mapToObj(byIndex::get).toList());
  }

  @Test
  void aDuplicateGetsTheFirstIndexWithinABatchAndAcrossBatches() throws IOException {
    Sequencer s = log.start();
    byte[] a = entry("a");
    byte[] b = entry("b");
    List<Added> first = awaitAll(s.addAll(List.of(a, b, a.clone(), b.clone())));
    assertThat(first).containsExactly(new Added(0, false), new Added(1, false),
        new Added(0, true), new Added(1, true));
    assertThat(await(s.add(b.clone()))).isEqualTo(new Added(1, true));
    assertThat(await(s.add(entry("c")))).isEqualTo(new Added(2, false));
    assertThat(await(s.add(a.clone()))).isEqualTo(new Added(0, true));
    assertLogHolds(List.of(a, b, entry("c")));
  }

  @Test
  void concurrentSubmissionsOfOneEntryAllGetItsIndexAndExactlyOneIsNew() throws Exception {
    Sequencer s = log.start();
    await(s.add(entry("before")));
    byte[] popular = entry("popular");
    List<Added> results = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Added>> fs = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        fs.add(pool.submit(() -> await(s.add(popular.clone()))));
      }
      for (Future<Added> f : fs) {
        results.add(f.get());
      }
    }
    assertThat(results).extracting(Added::index).containsOnly(1L);
    assertThat(results).filteredOn(a -> !a.duplicate()).hasSize(1);
    assertLogHolds(List.of(entry("before"), popular));
  }

  /**
   * A tile write that fails once happens behind the acknowledgements: the batch stays
   * acknowledged (it is in the sequence log), the write is retried, and nothing is lost.
   */
  @ParameterizedTest
  @EnumSource(Fault.class)
  void aFailedTileWriteIsRetriedAndLosesNothing(Fault fault) throws IOException {
    Sequencer s = log.start();
    List<byte[]> expected = new ArrayList<>(List.of(entry("a"), entry("b"), entry("c")));
    awaitAll(s.addAll(expected));
    assertThat(s.integrateNow()).isTrue();

    log.objects().failNextWrite(fault);
    assertThat(awaitAll(s.addAll(List.of(entry("d"), entry("e"))))).extracting(Added::index)
        .containsExactly(3L, 4L);
    expected.addAll(List.of(entry("d"), entry("e")));
    Poll.until("the failed write", Duration.ofSeconds(5), () -> log.objects().injected() == 1);
    assertThat(await(s.add(entry("f")))).isEqualTo(new Added(5, false));
    expected.add(entry("f"));
    assertLogHolds(expected);
    assertThat(s.fault()).isEmpty();

    log.restart();
    assertLogHolds(expected);
  }

  /**
   * While tiles cannot be written at all, the sequencer stops acknowledging (pushback) instead
   * of piling up unwritten batches; it goes on by itself once writes work again.
   */
  @Test
  void aLastingTileWriteFailurePushesBackUntilItClears() throws IOException {
    Sequencer s = log.start();
    await(s.add(entry("a")));
    assertThat(s.integrateNow()).isTrue();
    for (int i = 0; i < 50; i++) {
      log.objects().failNextWrite(Fault.LOSE);
    }
    await(s.add(entry("b"))); // acknowledged from the sequence log; its tiles fail behind it
    Poll.until("the tile failure to show", Duration.ofSeconds(5), () -> s.fault().isPresent());
    assertPushbackMentions(s.add(entry("c")), "injected");
    assertThat(s.sequenced().size()).isEqualTo(2);

    log.objects().clearFaults();
    Poll.until("writes to work again", Duration.ofSeconds(10), () -> {
      try {
        return s.add(entry("c")).get(10, TimeUnit.SECONDS).index() == 2;
      } catch (ExecutionException e) {
        return false;
      } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
        throw new AssertionError(e);
      }
    });
    assertLogHolds(List.of(entry("a"), entry("b"), entry("c")));
  }

  @Test
  void aFailedCommitAcknowledgesNothingAndTheNextBatchLeavesNoGap() throws IOException {
    Sequencer s = log.start();
    List<byte[]> expected = new ArrayList<>(List.of(entry("a")));
    await(s.add(entry("a")));

    log.sequenceLog().failNextAppend(Fault.LOSE);
    assertPushback(s.add(entry("b")));
    assertThat(s.sequenced().size()).isEqualTo(1);

    assertThat(await(s.add(entry("c")))).isEqualTo(new Added(1, false));
    expected.add(entry("c"));
    assertLogHolds(expected);
    log.restart();
    assertLogHolds(expected);
  }

  /**
   * An append that reports an error but lands is durable: its submissions were told to retry,
   * the sequencer rebuilds from what is durable (which includes it), and the retry finds the
   * entry at its index.
   */
  @Test
  void aCommitThatLandedDespiteAnErrorIsAdoptedAndFoundOnRetry() throws IOException {
    Sequencer s = log.start();
    await(s.add(entry("a")));
    log.sequenceLog().failNextAppend(Fault.PERSIST);
    assertPushback(s.add(entry("b")));
    assertThat(await(s.add(entry("c")))).isEqualTo(new Added(2, false));
    assertThat(await(s.add(entry("b")))).isEqualTo(new Added(1, true));

    s = log.restart();
    assertThat(s.sequenced().size()).isEqualTo(3);
    assertThat(await(s.add(entry("b")))).isEqualTo(new Added(1, true));
    assertLogHolds(List.of(entry("a"), entry("b"), entry("c")));
  }

  /**
   * The append of b lands although it reports failure; the append of c is lost. The log must
   * reopen holding a and b.
   */
  @Test
  void restartsAfterACommitThatLandedDespiteAnErrorAndABatchThatDidNotCommit()
      throws IOException {
    Sequencer s = log.start();
    await(s.add(entry("a")));
    log.sequenceLog().failNextAppend(Fault.PERSIST);
    assertPushback(s.add(entry("b")));
    log.sequenceLog().failNextAppend(Fault.LOSE);
    assertPushback(s.add(entry("c")));

    s = log.restart();
    long size = s.sequenced().size();
    assertThat(size).isEqualTo(2);
    assertThat(log.entries(size)).containsExactly(entry("a"), entry("b"));
    assertThat(log.tileRoot(size)).isEqualTo(s.sequenced().root());
  }

  /**
   * Like the test above, but only the batch's tile write fails (its bundle lands): after a
   * restart the bundles and the hash tiles must still describe the same entries.
   */
  @Test
  void bundlesAndTilesAgreeAfterACommitThatLandedDespiteAnErrorAndAPartialBatch()
      throws IOException {
    Sequencer s = log.start();
    await(s.add(entry("a")));
    log.sequenceLog().failNextAppend(Fault.PERSIST);
    assertPushback(s.add(entry("b")));
    log.objects().failNextWrite(Fault.LOSE, "tile/0/");
    await(s.add(entry("c")));

    s = log.restart();
    long size = s.sequenced().size();
    byte[] level0 = log.tiles().readTile(TileLayout.tileFor(0, 0, size));
    List<byte[]> entries = log.entries(size);
    for (int i = 0; i < size; i++) {
      assertThat(Hasher.threadLocal().leaf(entries.get(i)).toByteArray())
          .as("leaf hash of bundled entry %d against tile 0/000", i)
          .isEqualTo(java.util.Arrays.copyOfRange(level0, i * 32, i * 32 + 32));
    }
    Added c = await(s.add(entry("c")));
    assertThat(c.duplicate()).isTrue();
    assertThat(s.integrateNow()).isTrue();
    assertThat(log.entries(s.sequenced().size()).get((int) c.index())).isEqualTo(entry("c"));
  }

  /**
   * Writes that land and then report failure, on any store, in any batch: whatever was
   * acknowledged stays at its index, every entry is eventually acknowledged exactly once, and a
   * restart after the last commit restores the same log.
   */
  @Test
  void failButPersistWritesNeverLoseOrMoveAnAcknowledgedEntry() throws IOException {
    Sequencer s = log.start();
    Random random = new Random(20261122);
    Map<Long, byte[]> acknowledged = new HashMap<>();
    List<byte[]> waiting = new ArrayList<>();
    int next = 0;
    for (int round = 0; round < 60 || !waiting.isEmpty(); round++) {
      if (round < 60) {
        for (int i = random.nextInt(1, 40); i > 0; i--) {
          waiting.add(entry("entry " + next++));
        }
        switch (random.nextInt(5)) {
          case 0 -> log.objects().failNextWrite(Fault.PERSIST);
          case 1 -> log.sequenceLog().failNextAppend(Fault.PERSIST);
          case 2 -> log.dedup().failNextAdd(Fault.PERSIST);
          default -> { }
        }
      }
      List<CompletableFuture<Added>> fs = s.addAll(waiting);
      List<byte[]> retry = new ArrayList<>();
      for (int i = 0; i < fs.size(); i++) {
        try {
          Added a = fs.get(i).get(10, TimeUnit.SECONDS);
          byte[] before = acknowledged.putIfAbsent(a.index(), waiting.get(i));
          assertThat(before == null || java.util.Arrays.equals(before, waiting.get(i)))
              .as("index %d acknowledged for two different entries", a.index()).isTrue();
        } catch (ExecutionException e) {
          assertThat(e.getCause()).isInstanceOf(PushbackException.class);
          retry.add(waiting.get(i));
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }
      waiting = retry;
      Sequencer seq = s;
      Poll.until("tiles to be written", Duration.ofSeconds(10), seq::integrateNow);
      long size = s.integrated().size();
      List<byte[]> stored = log.entries(size);
      for (Map.Entry<Long, byte[]> a : acknowledged.entrySet()) {
        assertThat(a.getKey()).isLessThan(size);
        assertThat(stored.get(a.getKey().intValue())).as("acknowledged entry %d", a.getKey())
            .isEqualTo(a.getValue());
      }
    }
    assertThat(acknowledged).hasSize(next);
    List<byte[]> expected = LongStream.range(0, next).mapToObj(acknowledged::get).toList();
    assertLogHolds(expected);
    log.restart();
    assertLogHolds(expected);
  }

  @Test
  void aRestartContinuesAtTheCommittedSizeReadingOnlyTheRightEdge() throws IOException {
    Sequencer s = log.start();
    List<byte[]> expected = new ArrayList<>();
    for (int i = 0; i < 3 * 256 + 17; i++) {
      expected.add(entry("entry " + i));
    }
    awaitAll(s.addAll(expected));
    TreeHead before = s.sequenced();

    long reads = log.memoryObjects().gets();
    s = log.restart();
    reads = log.memoryObjects().gets() - reads;
    assertThat(s.sequenced()).isEqualTo(before);
    assertThat(reads).as("objects read to restore a tree of 785 entries").isLessThanOrEqualTo(8);

    assertThat(await(s.add(entry("after restart"))))
        .isEqualTo(new Added(before.size(), false));
    expected.add(entry("after restart"));
    assertLogHolds(expected);
  }

  @Test
  void aLostDedupIndexIsRebuiltFromTheBundles(@TempDir Path dir) throws IOException {
    Sequencer s = log.start();
    List<byte[]> expected = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      expected.add(entry("entry " + i));
    }
    awaitAll(s.addAll(expected));

    try (HashDedupIndex fresh = HashDedupIndex.open(dir.resolve("dedup"))) {
      assertThat(fresh.watermark()).isZero();
      log.replaceDedup(fresh);
      s = log.restart();
      assertThat(fresh.watermark()).isEqualTo(600);
      for (int i : new int[] {0, 255, 256, 599}) {
        assertThat(await(s.add(entry("entry " + i)))).isEqualTo(new Added(i, true));
      }
      assertThat(await(s.add(entry("new")))).isEqualTo(new Added(600, false));
      expected.add(entry("new"));
      assertLogHolds(expected);
      log.close();
    }
  }

  @ParameterizedTest
  @EnumSource(Fault.class)
  void aFailedDedupWriteStillAcknowledgesAndIsCaughtUpBeforeTheNextBatch(Fault fault)
      throws IOException {
    Sequencer s = log.start();
    await(s.add(entry("a")));
    log.dedup().failNextAdd(fault);
    assertThat(await(s.add(entry("b")))).isEqualTo(new Added(1, false));
    assertThat(await(s.add(entry("b")))).isEqualTo(new Added(1, true));
    assertThat(await(s.add(entry("c")))).isEqualTo(new Added(2, false));
    assertLogHolds(List.of(entry("a"), entry("b"), entry("c")));
  }

  @Test
  void aFullPoolPushesBackWithoutPoolingAnyOfTheSubmission() throws Exception {
    try (MemoryLog small = new MemoryLog(new SequencerConfig(Duration.ofMillis(1), 4, 8))) {
      Sequencer s = small.start();
      small.sequenceLog().hold();
      CompletableFuture<Added> first = s.add(entry("first"));
      small.sequenceLog().awaitHeldAppend(Duration.ofSeconds(10));

      List<byte[]> eight = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        eight.add(entry("pooled " + i));
      }
      List<CompletableFuture<Added>> pooled = s.addAll(eight);
      assertThat(s.poolDepth()).isEqualTo(8);
      assertThatThrownBy(() -> s.add(entry("one too many")))
          .isInstanceOfSatisfying(PushbackException.class,
              e -> assertThat(e.retryAfter()).isGreaterThanOrEqualTo(Duration.ofSeconds(1)))
          .hasMessageContaining("pool is full");
      assertThatThrownBy(() -> s.addAll(List.of(entry("x"), entry("y"))))
          .isInstanceOf(PushbackException.class);
      assertThat(s.poolDepth()).isEqualTo(8);

      small.sequenceLog().release();
      assertThat(await(first).index()).isZero();
      assertThat(awaitAll(pooled)).extracting(Added::index)
          .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
      assertThat(s.sequenced().size()).isEqualTo(9);
    }
  }

  @Test
  void aPoolFullInBytesPushesBackHoweverFewItsEntries() throws Exception {
    // Room for two of the largest entries, though a thousand entries may wait.
    long room = 2L * Bundles.MAX_ENTRY_SIZE;
    try (MemoryLog small = new MemoryLog(new SequencerConfig(Duration.ofMillis(1), 4, 1000,
        room))) {
      Sequencer s = small.start();
      small.sequenceLog().hold();
      // Being sequenced, the first is still held in memory, so still counted.
      CompletableFuture<Added> first = s.add(largest('a'));
      small.sequenceLog().awaitHeldAppend(Duration.ofSeconds(10));
      CompletableFuture<Added> second = s.add(largest('b'));
      assertThat(s.poolBytes()).isEqualTo(room);
      assertThatThrownBy(() -> s.add(entry("x")))
          .isInstanceOfSatisfying(PushbackException.class,
              e -> assertThat(e.retryAfter()).isGreaterThanOrEqualTo(Duration.ofSeconds(1)))
          .hasMessageContaining("pool is full (" + room + " of " + room + " bytes held; 1 more"
              + " asked for)");
      assertThat(s.poolDepth()).isEqualTo(1);
      assertThat(s.poolBytes()).isEqualTo(room);

      small.sequenceLog().release();
      assertThat(await(first).index()).isZero();
      assertThat(await(second).index()).isEqualTo(1);
      Poll.until("the pool's bytes counted out", Duration.ofSeconds(10),
          () -> s.poolBytes() == 0);
      assertThat(await(s.add(entry("x"))).index()).isEqualTo(2);
    }
  }

  private static byte[] largest(char fill) {
    byte[] e = new byte[Bundles.MAX_ENTRY_SIZE];
    Arrays.fill(e, (byte) fill);
    return e;
  }

  @Test
  void emptyAndOversizedEntriesAreRejectedAndNothingOfTheirSubmissionIsPooled() throws IOException {
    Sequencer s = log.start();
    assertThatThrownBy(() -> s.add(new byte[0])).isInstanceOf(dev.cairn.log.BadInputException.class);
    assertThatThrownBy(() -> s.add(new byte[65_536]))
        .isInstanceOf(dev.cairn.log.BadInputException.class);
    assertThatThrownBy(() -> s.addAll(List.of(entry("good"), new byte[0])))
        .isInstanceOf(dev.cairn.log.BadInputException.class).hasMessageContaining("entry 1");
    assertThat(s.poolDepth()).isZero();

    assertThat(await(s.add(new byte[65_535]))).isEqualTo(new Added(0, false));
    assertThat(await(s.add(entry("good")))).as("not pooled by the rejected submission")
        .isEqualTo(new Added(1, false));
  }

  @Test
  void closeSequencesWhatIsPooledThenPushesBack() throws IOException {
    try (MemoryLog slow = new MemoryLog(
        new SequencerConfig(Duration.ofMinutes(1), 100, 1000))) {
      Sequencer s = slow.start();
      assertThat(await(s.add(entry("a"))).index()).isZero();
      CompletableFuture<Added> b = s.add(entry("b"));
      assertThat(s.poolDepth()).as("b waits for the next interval").isEqualTo(1);

      s.close();
      assertThat(b).isCompletedWithValue(new Added(1, false));
      assertThatThrownBy(() -> s.add(entry("c"))).isInstanceOf(PushbackException.class);
      assertThat(slow.treeState().load()).hasValueSatisfying(
          h -> assertThat(h.size()).isEqualTo(2));
    }
  }

  @Test
  void smallBatchesWaitForTheIntegrationSpacingButNeverHoldBackACheckpointOrAStop()
      throws IOException {
    try (MemoryLog spaced = new MemoryLog(new SequencerConfig(Duration.ofMillis(1), 64,
        100_000, SequencerConfig.DEFAULT_POOL_BYTES, Duration.ofMinutes(1)))) {
      List<Integration> integrations = integrationsTold(spaced);
      Sequencer s = spaced.start();
      for (int i = 0; i < 10; i++) {
        assertThat(await(s.add(entry("small " + i))).index()).isEqualTo(i);
      }
      assertThat(s.integrated().size()).as("ten batches, acknowledged, wait").isZero();
      assertThat(integrations).isEmpty();

      // A publisher integrates what waits before it signs: each partial tile once, at its widest.
      Publisher publisher = spaced.openPublisher();
      publisher.publish();
      assertThat(publisher.latest().checkpoint().size()).isEqualTo(10);
      assertThat(spaced.memoryObjects().paths()).filteredOn(path -> path.contains(".p/"))
          .containsExactlyInAnyOrderElementsOf(
              TileLayout.partialTiles(10).stream().map(TilePath::path).toList());
      // One integration wrote them, and the metrics heard of it.
      List<String> tiles = spaced.memoryObjects().paths().stream()
          .filter(path -> path.startsWith("tile/")).toList();
      long stored = tiles.stream()
          .mapToLong(path -> spaced.memoryObjects().get(path).orElseThrow().length).sum();
      assertThat(integrations).containsExactly(new Integration(tiles.size(), stored, true));

      // Four bundles' worth waiting start an integration without the spacing.
      List<CompletableFuture<Added>> many = new ArrayList<>();
      for (int i = 0; i < Integrator.EAGER_ENTRIES; i++) {
        many.add(s.add(entry("many " + i)));
      }
      awaitAll(many);
      Poll.until("the integrator writes four bundles' worth, and tells", Duration.ofSeconds(10),
          () -> s.integrated().size() == 10 + Integrator.EAGER_ENTRIES
              && integrations.size() == 2);

      // A stop integrates what waits.
      await(s.add(entry("last")));
      s.close();
      assertThat(s.integrated()).isEqualTo(s.sequenced());
      assertThat(s.integrated().size()).isEqualTo(11 + Integrator.EAGER_ENTRIES);
      assertThat(integrations).hasSize(3).allMatch(Integration::ok);
      assertThat(spaced.tileRoot(s.integrated().size())).isEqualTo(s.integrated().root());
    }
  }

  @Test
  void aFailedIntegrationIsToldAsFailedAndItsRetryAsDone() throws IOException {
    try (MemoryLog spaced = new MemoryLog(new SequencerConfig(Duration.ofMillis(1), 64,
        100_000, SequencerConfig.DEFAULT_POOL_BYTES, Duration.ofMinutes(1)))) {
      List<Integration> told = integrationsTold(spaced);
      Sequencer s = spaced.start();
      await(s.add(entry("a")));
      spaced.objects().failNextWrite(Fault.LOSE);
      assertThat(s.integrateNow()).isFalse();
      assertThat(told).extracting(Integration::ok).containsExactly(false);
      assertThat(s.integrateNow()).isTrue(); // the batch was put back, and is written now
      assertThat(told).extracting(Integration::ok).containsExactly(false, true);
      assertThat(s.integrated().size()).isEqualTo(1);
    }
  }

  /** An integration as the sequencer told its observer. */
  private record Integration(int objects, long bytes, boolean ok) {}

  /** What {@code log}'s sequencer tells of its integrations, from now on. */
  private static List<Integration> integrationsTold(MemoryLog log) {
    List<Integration> told = new CopyOnWriteArrayList<>();
    log.observe(new Sequencer.BatchObserver() {
      @Override
      public void batch(int entries, int fresh, long nanos, boolean ok) {}

      @Override
      public void integration(int objects, long bytes, long nanos, boolean ok) {
        told.add(new Integration(objects, bytes, ok));
      }
    });
    return told;
  }

  @Test
  void anIntegrationSpacingOutsideZeroToAMinuteIsRefused() {
    for (Duration bad : List.of(Duration.ofMillis(-1), Duration.ofSeconds(61))) {
      assertThatThrownBy(() -> new SequencerConfig(Duration.ofMillis(2), 64, 64,
          SequencerConfig.DEFAULT_POOL_BYTES, bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("integration spacing must be 0 to 1m");
    }
    assertThat(new SequencerConfig(Duration.ofMillis(2), 64, 64,
        SequencerConfig.DEFAULT_POOL_BYTES, Duration.ZERO).integrationSpacing()).isZero();
  }
}
