package dev.cairn.log.publishing;

import dev.cairn.log.sequencing.Sequencer;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.log.storage.CheckpointHistory.Entry;
import dev.cairn.log.storage.TreeHead;
import dev.cairn.log.testing.Fault;
import dev.cairn.log.testing.MemoryLog;
import dev.cairn.log.testing.Poll;
import dev.cairn.verify.VerifiedCheckpoint;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The publisher over in-memory stores: it publishes on open what was sequenced before, signs with
 * both keys, swaps the stored checkpoint before appending to the history, repairs a history that
 * missed the last swap, refuses stored checkpoints the tiles cannot back, and keeps publication
 * times in order whatever the clock does.
 */
class PublisherTest {
  private final MemoryLog log = new MemoryLog(MemoryLog.FAST);
  private int entries;

  @AfterEach
  void close() {
    log.close();
  }

  /** Sequences {@code n} new entries and waits until they are committed. */
  private void sequence(int n) {
    List<byte[]> batch = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      batch.add(("entry " + entries++).getBytes(UTF_8));
    }
    for (CompletableFuture<Sequencer.Added> f : log.sequencer().addAll(batch)) {
      try {
        f.get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
  }

  private static byte[] sign(Checkpoint c) {
    return SignedNote.sign(c.format(), MemoryLog.signers(java.time.Clock.systemUTC())).encode();
  }

  private static Checkpoint parse(byte[] note) {
    return Checkpoint.parse(SignedNote.parse(note).text());
  }

  private List<Long> historySizes() {
    return log.memoryHistory().all().stream().map(Entry::size).toList();
  }

  @Test
  void aNewLogPublishesTheEmptyTree() throws Exception {
    log.start();
    Publisher p = log.openPublisher();
    assertThat(p.latest().checkpoint())
        .isEqualTo(new Checkpoint(MemoryLog.ORIGIN, 0, Hasher.emptyRoot()));
    MemoryLog.verifier().verifyCheckpoint(p.latest().note());
    assertThat(historySizes()).containsExactly(0L);
  }

  @Test
  void openPublishesACheckpointOverEverythingSequencedBeforeItReturns() throws Exception {
    log.start();
    sequence(300);
    TreeHead head = log.sequencer().sequenced();

    Publisher p = log.openPublisher();
    Publisher.Published latest = p.latest();
    assertThat(latest.checkpoint())
        .isEqualTo(new Checkpoint(MemoryLog.ORIGIN, 300, head.root()));
    assertThat(latest.time()).isEqualTo(log.clock().instant());
    VerifiedCheckpoint v = MemoryLog.verifier().verifyCheckpoint(latest.note());
    assertThat(v.logSignatureTypes())
        .containsExactlyInAnyOrder(SignatureType.ED25519, SignatureType.MLDSA44_SUBTREE_V1);
    assertThat(log.checkpoints().latest()).hasValueSatisfying(
        n -> assertThat(n).isEqualTo(latest.note()));
    assertThat(log.memoryHistory().all())
        .containsExactly(new Entry(300, log.clock().instant(), latest.note()));
  }

  @Test
  void openAfterARestartPublishesWhatWasSequencedSinceTheLastCheckpoint() throws Exception {
    log.start();
    sequence(5);
    log.openPublisher();
    sequence(7);

    log.restart();
    log.clock().advance(Duration.ofMinutes(1));
    Publisher p = log.openPublisher();
    assertThat(p.latest().checkpoint().size()).isEqualTo(12);
    assertThat(p.latest().checkpoint().root()).isEqualTo(log.sequencer().sequenced().root());
    assertThat(historySizes()).containsExactly(5L, 12L);
  }

  @Test
  void openAfterARestartWithNothingNewKeepsTheLastCheckpointAndItsTime() throws Exception {
    log.start();
    sequence(5);
    Publisher.Published before = log.openPublisher().latest();

    log.restart();
    log.clock().advance(Duration.ofMinutes(1));
    Publisher.Published after = log.openPublisher().latest();
    assertThat(after.note()).isEqualTo(before.note());
    assertThat(after.time()).isEqualTo(before.time());
    assertThat(historySizes()).containsExactly(5L);
  }

  @Test
  void publishesOnlyWhenTheTreeGrew() throws Exception {
    log.start();
    sequence(2);
    Publisher p = log.openPublisher();
    byte[] first = p.latest().note();
    p.publish();
    p.publish();
    assertThat(historySizes()).containsExactly(2L);
    assertThat(p.latest().note()).isEqualTo(first);

    sequence(1);
    p.publish();
    assertThat(historySizes()).containsExactly(2L, 3L);
    assertThat(p.latest().checkpoint().root()).isEqualTo(log.sequencer().sequenced().root());
    assertThat(log.checkpoints().latest()).hasValueSatisfying(
        n -> assertThat(n).isEqualTo(p.latest().note()));
  }

  @Test
  void publicationTimesNeverGoBackwardsEvenIfTheClockDoes() throws Exception {
    log.start();
    sequence(1);
    Publisher p = log.openPublisher();
    Instant t0 = log.clock().instant();

    log.clock().advance(Duration.ofHours(-1));
    sequence(1);
    p.publish();
    assertThat(p.latest().time()).isEqualTo(t0);

    log.clock().advance(Duration.ofHours(2));
    sequence(1);
    p.publish();
    assertThat(p.latest().time()).isEqualTo(t0.plus(Duration.ofHours(1)));
    assertThat(log.memoryHistory().all()).extracting(Entry::time)
        .containsExactly(t0, t0, t0.plus(Duration.ofHours(1)));
  }

  @Test
  void openRepairsAHistoryThatLacksTheLatestCheckpoint() throws Exception {
    log.start();
    sequence(3);
    Publisher p = log.openPublisher();
    sequence(2);
    log.history().failNextAppend(Fault.LOSE);
    assertThatThrownBy(p::publish).isInstanceOf(IOException.class);
    byte[] swapped = log.checkpoints().latest().orElseThrow();
    assertThat(parse(swapped).size()).as("the swap happened").isEqualTo(5);
    assertThat(historySizes()).as("the append did not").containsExactly(3L);
    assertThat(p.latest().checkpoint().size()).as("and nothing new is served").isEqualTo(3);

    log.restart();
    log.clock().advance(Duration.ofMinutes(1));
    Publisher reopened = log.openPublisher();
    assertThat(historySizes()).containsExactly(3L, 5L);
    assertThat(log.memoryHistory().all().get(1).note()).isEqualTo(swapped);
    assertThat(reopened.latest().note()).isEqualTo(swapped);
  }

  @Test
  void aRepairedHistoryEntryIsNotOlderThanTheOneBeforeIt() throws Exception {
    log.start();
    sequence(3);
    Publisher p = log.openPublisher();
    sequence(2);
    log.history().failNextAppend(Fault.LOSE);
    assertThatThrownBy(p::publish).isInstanceOf(IOException.class);

    log.restart();
    log.clock().advance(Duration.ofHours(-1));
    log.openPublisher();
    List<Entry> history = log.memoryHistory().all();
    assertThat(history).extracting(Entry::size).containsExactly(3L, 5L);
    assertThat(history.get(1).time()).as("time of the repaired entry")
        .isAfterOrEqualTo(history.get(0).time());
  }

  @Test
  void publishingRecoversFromAFailedHistoryAppendWithoutARestart() throws Exception {
    log.start();
    sequence(2);
    Publisher p = log.openPublisher();
    log.history().failNextAppend(Fault.LOSE);
    sequence(1);
    assertThatThrownBy(p::publish).isInstanceOf(IOException.class);

    sequence(1);
    p.publish();
    assertThat(p.latest().checkpoint().size()).isEqualTo(4);
    assertThat(log.memoryHistory().all().getLast().note())
        .isEqualTo(log.checkpoints().latest().orElseThrow());
  }

  @Test
  void openRefusesAStoredCheckpointWhoseRootTheTilesDoNotGive() throws Exception {
    log.start();
    sequence(10);
    Hash wrong = Hasher.threadLocal().leaf("not the tree".getBytes(UTF_8));
    log.checkpoints().create(sign(new Checkpoint(MemoryLog.ORIGIN, 6, wrong)));
    assertThatThrownBy(log::openPublisher).isInstanceOf(IOException.class)
        .hasMessageContaining("size 6").hasMessageContaining(wrong.toBase64());
    assertThat(historySizes()).isEmpty();
  }

  @Test
  void openRefusesAStoredCheckpointLargerThanTheSequencedTree() throws Exception {
    log.start();
    sequence(10);
    log.checkpoints().create(sign(new Checkpoint(MemoryLog.ORIGIN, 11, Hasher.emptyRoot())));
    assertThatThrownBy(log::openPublisher).isInstanceOf(IOException.class)
        .hasMessageContaining("11").hasMessageContaining("10 entries");
    assertThat(historySizes()).isEmpty();
  }

  @Test
  void openRefusesAStoredCheckpointOfAnotherOrigin() throws Exception {
    log.start();
    log.checkpoints().create(sign(new Checkpoint("example.com/other", 0, Hasher.emptyRoot())));
    assertThatThrownBy(log::openPublisher).isInstanceOf(IOException.class)
        .hasMessageContaining("example.com/other");
  }

  @Test
  void aCheckpointSwappedInByAnotherPublisherIsNeverOverwritten() throws Exception {
    log.start();
    sequence(2);
    Publisher p = log.openPublisher();
    byte[] mine = p.latest().note();
    TreeHead head = log.sequencer().sequenced();
    byte[] theirs = sign(new Checkpoint(MemoryLog.ORIGIN, 2, head.root(), List.of("other")));
    assertThat(log.checkpoints().compareAndSwap(mine, theirs)).isTrue();

    sequence(1);
    assertThatThrownBy(p::publish).isInstanceOf(IOException.class)
        .hasMessageContaining("another process");
    assertThat(log.checkpoints().latest()).hasValueSatisfying(
        n -> assertThat(n).isEqualTo(theirs));
    assertThat(historySizes()).containsExactly(2L);
    assertThat(p.latest().note()).isEqualTo(mine);
  }

  @Test
  void awaitSizeCompletesWithTheFirstCheckpointCoveringTheSize() throws Exception {
    log.start();
    sequence(3);
    Publisher p = log.openPublisher();
    assertThat(p.awaitSize(3)).isCompletedWithValue(p.latest());

    CompletableFuture<Publisher.Published> five = p.awaitSize(5);
    sequence(1);
    p.publish();
    assertThat(five).isNotDone();
    sequence(1);
    p.publish();
    assertThat(five).isCompleted();
    assertThat(five.get().checkpoint().size()).isEqualTo(5);
  }

  @Test
  void waitersAreAnsweredOldestFirst() throws Exception {
    log.start();
    sequence(1);
    Publisher p = log.openPublisher();
    List<String> answered = new ArrayList<>();
    p.awaitSize(3).thenRun(() -> answered.add("first"));
    p.awaitSize(2).thenRun(() -> answered.add("second"));
    p.awaitSize(9).thenRun(() -> answered.add("not covered"));
    p.awaitSize(3).thenRun(() -> answered.add("third"));
    sequence(2);
    p.publish();
    assertThat(answered).containsExactly("first", "second", "third");
    assertThat(p.waiting()).isEqualTo(1);
  }

  @Test
  void waitersThatGaveUpAreDroppedAtTheNextTick() throws Exception {
    log.start();
    sequence(1);
    Publisher p = log.openPublisher();
    p.awaitSize(5).cancel(false);
    p.awaitSize(6).orTimeout(1, TimeUnit.MILLISECONDS);
    assertThat(p.waiting()).isEqualTo(2);
    p.start(Duration.ofMillis(10));
    Poll.until("the publisher to drop both waiters", Duration.ofSeconds(10),
        () -> p.waiting() == 0);
    assertThat(p.latest().checkpoint().size()).isEqualTo(1);
  }

  @Test
  void concurrentWaitersAreAllAnswered() throws Exception {
    log.start();
    Publisher p = log.openPublisher();
    p.start(Duration.ofMillis(1));
    try (ExecutorService writers = Executors.newFixedThreadPool(4)) {
      List<Future<Long>> sizes = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        byte[] entry = ("concurrent " + i).getBytes(UTF_8);
        sizes.add(writers.submit(() -> {
          long size = log.sequencer().add(entry).get(10, TimeUnit.SECONDS).index() + 1;
          return p.awaitSize(size).get(10, TimeUnit.SECONDS).checkpoint().size() - size;
        }));
      }
      for (Future<Long> f : sizes) {
        assertThat(f.get()).isNotNegative();
      }
    }
    Poll.until("no waiter left behind", Duration.ofSeconds(10), () -> p.waiting() == 0);
  }

  /**
   * A swap that reports an error may still have landed (a rename done, its directory sync
   * failed). The next publication finds it in the store, writes it again to make it durable,
   * and then appends and serves it like any other — instead of taking the store's unexpected
   * content for another publisher and failing forever.
   */
  @Test
  void aSwapThatFailedButLandedIsAdoptedByTheNextPublication() throws Exception {
    log.start();
    Publisher p = log.openPublisher();
    sequence(3);
    log.checkpoints().failNextSwap(Fault.PERSIST);
    assertThatThrownBy(p::publish).isInstanceOf(IOException.class).hasMessageContaining("injected");
    byte[] landed = log.checkpoints().latest().orElseThrow();
    assertThat(p.latest().checkpoint().size()).isZero();

    p.publish();
    assertThat(p.latest().note()).isEqualTo(landed);
    assertThat(historySizes()).containsExactly(0L, 3L);
    assertThat(p.fault()).isEmpty();
    sequence(2);
    p.publish();
    assertThat(historySizes()).containsExactly(0L, 3L, 5L);
  }

  /** A swap that failed and did not land is simply done again. */
  @Test
  void aSwapThatFailedAndDidNotLandIsRetried() throws Exception {
    log.start();
    Publisher p = log.openPublisher();
    sequence(3);
    log.checkpoints().failNextSwap(Fault.LOSE);
    assertThatThrownBy(p::publish).isInstanceOf(IOException.class);
    p.publish();
    assertThat(p.latest().checkpoint().size()).isEqualTo(3);
    assertThat(log.checkpoints().latest().orElseThrow()).isEqualTo(p.latest().note());
    assertThat(historySizes()).containsExactly(0L, 3L);
  }

  @Test
  void theTimerPublishesAndReportsAFailedPublication() throws Exception {
    log.start();
    Publisher p = log.openPublisher();
    p.start(Duration.ofMillis(10));
    sequence(2);
    assertThat(p.awaitSize(2).get(10, TimeUnit.SECONDS).checkpoint().size()).isEqualTo(2);
    assertThat(p.fault()).isEmpty();

    log.history().failNextAppend(Fault.LOSE);
    sequence(1);
    Poll.until("the publisher to report the failure", Duration.ofSeconds(10),
        () -> p.fault().isPresent());
    assertThat(p.fault().orElseThrow()).contains("injected");
  }
}
