package dev.cairn.log.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.log.testing.TestTree;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link Coordinator} contract; every backend's test extends this. It drives a coordinator
 * as the log does — commits, integration over real objects, swaps — and checks what the seam
 * promises: indices and deduplication committed together, durable across a reopen; integration
 * and swaps that refuse what the stored state does not back; and a holder whose lease ended
 * (fenced out) that can change nothing, while a new holder goes on from the durable state.
 */
public abstract class CoordinatorContract {
  private static final String ORIGIN = "example.com/contract";
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

  /** Opens the coordinator over this test's storage (the same storage each time: a restart). */
  protected abstract Coordinator open() throws Exception;

  /** The object store beside the coordinator, where integration writes. */
  protected abstract ObjectStore objects();

  /**
   * Ends {@code lease} as the backend ends a lease whose holder stopped renewing it (a pause, a
   * partition), without the holder's knowledge; the embedded backend's lease ends only when
   * closed.
   */
  protected abstract void expire(Lease lease);

  private final List<AutoCloseable> open = new ArrayList<>();
  private final TestTree tree = new TestTree();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
  }

  private Coordinator coordinator() throws Exception {
    Coordinator c = open();
    open.add(c);
    return c;
  }

  private static byte[] entry(String s) {
    return s.getBytes(UTF_8);
  }

  private static List<Lease.Submission> submissions(String... entries) {
    List<Lease.Submission> out = new ArrayList<>();
    for (String e : entries) {
      out.add(new Lease.Submission(entry(e), TestTree.leaf(entry(e))));
    }
    return out;
  }

  private Lease.Assignment assign(Lease lease, String... entries) throws IOException {
    return lease.assign(submissions(entries), (start, fresh, hashes) -> {
      assertThat(start).isEqualTo(tree.head().size());
      return tree.append(fresh);
    });
  }

  private TreeHead integrate(Lease lease) throws IOException {
    TreeHead head = tree.head();
    return lease.integrate(lease.integrated().size(), from -> {
      objects().createAll(tree.takeObjects());
      return head;
    });
  }

  private static byte[] note(Checkpoint c) {
    // The coordinator stores notes as given; it checks sizes and roots, not signatures.
    return (c.format() + "\n\u2014 " + ORIGIN + " AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n")
        .getBytes(UTF_8);
  }

  private Version swap(Lease lease, Optional<Version> expected, TreeHead head, Instant time)
      throws IOException {
    Checkpoint c = new Checkpoint(ORIGIN, head.size(), head.root());
    return lease.swap(expected, c, note(c), time);
  }

  private static void assertKind(ThrowingCallable call, StorageException.Kind kind) {
    assertThatThrownBy(call).isInstanceOfSatisfying(StorageException.class,
        e -> assertThat(e.kind()).as(e.getMessage()).isEqualTo(kind));
  }

  @Test
  void aBatchGetsTheNextIndicesAndDuplicatesTheirsAllAtOnceDurably() throws Exception {
    Coordinator c = coordinator();
    Lease lease = c.acquire("node-a");
    assertThat(lease.epoch()).isPositive();
    assertThat(lease.holder()).isEqualTo("node-a");
    Lease.Assignment a = assign(lease, "a", "b", "c");
    assertThat(a.indices()).containsExactly(0, 1, 2);
    assertThat(a.duplicates()).containsExactly(false, false, false);
    assertThat(a.head()).isEqualTo(tree.head());

    Lease.Assignment b = assign(lease, "d", "b", "d", "e");
    assertThat(b.indices()).containsExactly(3, 1, 3, 4);
    assertThat(b.duplicates()).containsExactly(false, true, true, false);
    assertThat(lease.sequenced()).isEqualTo(tree.head());
    assertThat(c.lookup(List.of(TestTree.leaf(entry("e")), TestTree.leaf(entry("zz")))))
        .containsOnlyKeys(TestTree.leaf(entry("e"))).containsValue(4L);

    Lease.Assignment none = lease.assign(submissions("a", "c"), (s, e, h) -> {
      throw new AssertionError("nothing new: no extension");
    });
    assertThat(none.indices()).containsExactly(0, 2);
    assertThat(none.head()).isEqualTo(tree.head());
    assertThat(lease.assign(List.of(), (s, e, h) -> null).indices()).isEmpty();

    lease.close();
    c.close();
    open.remove(c);
    Coordinator again = coordinator();
    Lease next = again.acquire("node-a");
    assertThat(next.sequenced()).isEqualTo(tree.head());
    List<Long> starts = new ArrayList<>();
    next.replay(0, batch -> starts.add(batch.start()));
    assertThat(starts).containsExactly(0L, 3L);
    assertThat(assign(next, "e", "f").indices()).containsExactly(4, 5);
  }

  @Test
  void integrationRecordsHowFarTheObjectStoreHoldsTheTreeAndRefusesWhatItCannotBack()
      throws Exception {
    Coordinator c = coordinator();
    Lease lease = c.acquire("node-a");
    assertThat(lease.integrated().size()).isZero();
    assertThat(lease.integrated().root()).isEqualTo(Hasher.emptyRoot());
    List<String> entries = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      entries.add("entry " + i);
    }
    assign(lease, entries.toArray(String[]::new));
    assertKind(() -> lease.integrate(5, from -> tree.head()), StorageException.Kind.CONFLICT);
    assertKind(() -> lease.integrate(0, from -> new TreeHead(301, Hasher.emptyRoot())),
        StorageException.Kind.CONFLICT);
    assertThat(integrate(lease)).isEqualTo(tree.head());
    assertThat(lease.integrated()).isEqualTo(tree.head());
    assertThat(c.integrated()).isEqualTo(tree.head());

    c.close();
    open.remove(c);
    Coordinator again = coordinator();
    assertThat(again.integrated()).isEqualTo(tree.head());
    List<Long> replayed = new ArrayList<>();
    again.acquire("node-b").replay(300, b -> replayed.add(b.start()));
    assertThat(replayed).as("nothing is sequenced after the integrated size").isEmpty();
  }

  @Test
  void aSwapReplacesTheLatestCheckpointOnlyAsExpectedAndOnlyOverTheIntegratedTree()
      throws Exception {
    Coordinator c = coordinator();
    Lease lease = c.acquire("node-a");
    assertThat(lease.latest()).isEmpty();
    assign(lease, "a", "b");
    TreeHead two = integrate(lease);
    assign(lease, "c");
    TreeHead three = tree.head(); // sequenced, not integrated

    assertKind(() -> swap(lease, Optional.of(new Version("stale")), two, T0),
        StorageException.Kind.CONFLICT);
    assertKind(() -> swap(lease, Optional.empty(), three, T0), StorageException.Kind.CONFLICT);
    assertKind(() -> swap(lease, Optional.empty(),
        new TreeHead(2, TestTree.leaf(entry("not the root"))), T0),
        StorageException.Kind.CONFLICT);
    assertThat(lease.latest()).isEmpty();
    assertThat(c.history().last()).isEmpty();

    Version v2 = swap(lease, Optional.empty(), two, T0);
    StoredCheckpoint latest = lease.latest().orElseThrow();
    assertThat(latest.version()).isEqualTo(v2);
    assertThat(latest.time()).isEqualTo(T0);
    assertThat(c.history().last().orElseThrow().size()).isEqualTo(2);
    assertKind(() -> swap(lease, Optional.empty(), two, T0), StorageException.Kind.CONFLICT);

    integrate(lease);
    assertKind(() -> swap(lease, Optional.of(v2), three, T0.minusSeconds(1)),
        StorageException.Kind.CONFLICT);
    Version v3 = swap(lease, Optional.of(v2), three, T0.plusSeconds(1));
    assertThat(v3).isNotEqualTo(v2);
    assertKind(() -> swap(lease, Optional.of(v3), two, T0.plusSeconds(2)),
        StorageException.Kind.CONFLICT);
    assertThat(c.history().list(-1, 10, Instant.EPOCH, Instant.MAX))
        .extracting(CheckpointHistory.Entry::size).containsExactly(2L, 3L);

    c.close();
    open.remove(c);
    Coordinator again = coordinator();
    assertThat(again.latest().orElseThrow().version()).isEqualTo(v3);
    assertThat(again.acquire("node-b").latest().orElseThrow().note())
        .isEqualTo(note(new Checkpoint(ORIGIN, 3, three.root())));
  }

  @Test
  void onlyOneLeaseIsLiveAndEachNewOneHasAHigherEpoch() throws Exception {
    Coordinator c = coordinator();
    Lease a = c.acquire("node-a");
    assertThatThrownBy(() -> c.acquire("node-b")).isInstanceOfSatisfying(
        StorageException.class, e -> assertThat(e.kind()).isEqualTo(StorageException.Kind.FENCED))
        .hasMessageContaining("node-a");
    expire(a);
    Lease b = c.acquire("node-b");
    assertThat(b.epoch()).isGreaterThan(a.epoch());
  }

  @Test
  void aFencedOutHolderCanChangeNothingAndTheNextHolderGoesOnFromTheDurableState()
      throws Exception {
    Coordinator c = coordinator();
    Lease old = c.acquire("node-a");
    assign(old, "a", "b", "c");
    TreeHead three = integrate(old);
    Version v = swap(old, Optional.empty(), three, T0);
    assign(old, "d");
    TreeHead four = tree.head();

    expire(old);
    Lease next = c.acquire("node-b");

    // Everything that changes the log fails and changes nothing...
    assertKind(() -> old.assign(submissions("x"),
        (start, fresh, hashes) -> new TreeHead(start + fresh.size(), Hasher.emptyRoot())),
        StorageException.Kind.FENCED);
    assertKind(() -> old.assign(List.of(), (s, e, h) -> null), StorageException.Kind.FENCED);
    boolean[] wrote = {false};
    assertKind(() -> old.integrate(3, from -> {
      wrote[0] = true;
      return four;
    }), StorageException.Kind.FENCED);
    assertKind(() -> swap(old, Optional.of(v), four, T0.plusSeconds(1)),
        StorageException.Kind.FENCED);
    // ... and reads still work.
    assertThat(old.sequenced()).isEqualTo(four);
    assertThat(old.integrated()).isEqualTo(three);

    assertThat(next.sequenced()).isEqualTo(four);
    assertThat(next.integrated()).isEqualTo(three);
    assertThat(next.latest().orElseThrow().version()).isEqualTo(v);
    assertThat(c.lookup(List.of(TestTree.leaf(entry("x"))))).isEmpty();
    assertThat(assign(next, "c", "e").indices()).containsExactly(2, 4);
    assertThat(integrate(next)).isEqualTo(tree.head());
    assertThat(swap(next, Optional.of(v), tree.head(), T0.plusSeconds(1))).isNotEqualTo(v);
    assertThat(c.history().last().orElseThrow().size()).isEqualTo(5);
  }

  @Test
  void aHolderFencedOutDuringIntegrationDoesNotRecordIt() throws Exception {
    Coordinator c = coordinator();
    Lease old = c.acquire("node-a");
    assign(old, "a", "b");
    TreeHead head = tree.head();
    Lease[] next = new Lease[1];
    assertKind(() -> old.integrate(0, from -> {
      objects().createAll(tree.takeObjects()); // the same bytes any holder would write
      expire(old);
      next[0] = c.acquire("node-b");
      return head;
    }), StorageException.Kind.FENCED);
    assertThat(next[0].integrated().size()).isZero();
    assertThat(next[0].integrate(0, from -> head)).isEqualTo(head);
  }

  @Test
  void theHistoryHoldsEveryCheckpointInOrder() throws Exception {
    Coordinator c = coordinator();
    Lease lease = c.acquire("node-a");
    Optional<Version> v = Optional.empty();
    for (int i = 0; i < 5; i++) {
      assign(lease, "entry " + i);
      integrate(lease);
      v = Optional.of(swap(lease, v, tree.head(), T0.plusSeconds(i)));
    }
    List<CheckpointHistory.Entry> all = c.history().list(-1, 100, Instant.EPOCH, Instant.MAX);
    assertThat(all).extracting(CheckpointHistory.Entry::size).containsExactly(1L, 2L, 3L, 4L,
        5L);
    assertThat(all).extracting(CheckpointHistory.Entry::time).isSorted();
    assertThat(c.history().bySize(3).orElseThrow().time()).isEqualTo(T0.plusSeconds(2));
    Hash root = tree.head().root();
    assertThat(new String(c.latest().orElseThrow().note(), UTF_8))
        .contains(root.toBase64());
  }
}
