package dev.cairn.log.testing;

import dev.cairn.merkle.Hash;
import dev.cairn.note.NoteSigner;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.log.publishing.Publisher;
import dev.cairn.log.sequencing.Sequencer;
import dev.cairn.log.sequencing.SequencerConfig;
import dev.cairn.log.publishing.CheckpointEndorser;
import dev.cairn.log.storage.TreeTiles;
import dev.cairn.log.storage.Lease;
import dev.cairn.log.storage.ObjectStoreReader;
import dev.cairn.log.storage.embedded.DedupIndex;
import dev.cairn.log.storage.embedded.EmbeddedCoordinator;
import dev.cairn.tile.TileLayout;
import dev.cairn.verify.LogVerifier;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A log's parts over in-memory stores, each wrapped for fault injection: the stores outlive the
 * {@link Sequencer} and {@link Publisher}, so closing and opening those is a restart.
 */
public final class MemoryLog implements AutoCloseable {
  /** The origin every memory log signs for. */
  public static final String ORIGIN = "example.com/memory-log";
  /** Short batches, a large pool. */
  public static final SequencerConfig FAST = new SequencerConfig(Duration.ofMillis(1), 64, 100_000);

  private static final SignerKey ED25519 =
      SignerKey.generate(ORIGIN, SignatureType.ED25519, new SecureRandom());
  private static final SignerKey MLDSA44 =
      SignerKey.generate(ORIGIN, SignatureType.MLDSA44_SUBTREE_V1, new SecureRandom());

  private final MemoryObjectStore memoryObjects = new MemoryObjectStore();
  private final FaultyObjectStore objects = new FaultyObjectStore(memoryObjects);
  private final FaultyTreeStateStore treeState =
      new FaultyTreeStateStore(new MemoryTreeStateStore());
  private final MemorySequenceLog memorySequenceLog = new MemorySequenceLog();
  private final FaultySequenceLog sequenceLog = new FaultySequenceLog(memorySequenceLog);
  private final FaultyCheckpointStore checkpoints =
      new FaultyCheckpointStore(new MemoryCheckpointStore());
  private final MemoryCheckpointHistory memoryHistory = new MemoryCheckpointHistory();
  private final FaultyCheckpointHistory history = new FaultyCheckpointHistory(memoryHistory);
  private final TestClock clock = new TestClock(Instant.parse("2030-01-01T00:00:00Z"));
  private final SequencerConfig config;
  private FaultyDedupIndex dedup = new FaultyDedupIndex(new MemoryDedupIndex());
  private EmbeddedCoordinator coordinator;
  private Lease lease;
  private Sequencer sequencer;
  private Publisher publisher;
  private Sequencer.BatchObserver observer = (n, f, t, ok) -> {};

  private final Crash crash = new Crash();

  /** A new, empty log batching as {@code config} says. */
  public MemoryLog(SequencerConfig config) {
    this.config = config;
    objects.crashWith(crash);
    treeState.crashWith(crash);
    sequenceLog.crashWith(crash);
    checkpoints.crashWith(crash);
    history.crashWith(crash);
    dedup.crashWith(crash);
  }

  /** The crash every store's writes take part in: arm it to crash the "process". */
  public Crash crash() {
    return crash;
  }

  /** The checkpoint signers (Ed25519, ML-DSA-44) of {@link #ORIGIN}. */
  public static List<NoteSigner> signers(java.time.Clock clock) {
    return List.of(ED25519.signer(clock), MLDSA44.signer(clock));
  }

  /** The verifier keys (Ed25519, ML-DSA-44) of {@link #ORIGIN}. */
  public static List<dev.cairn.note.VerifierKey> verifierKeys() {
    return List.of(ED25519.verifierKey(), MLDSA44.verifierKey());
  }

  /** A verifier that demands both of the log's signatures. */
  public static LogVerifier verifier() {
    return LogVerifier.ofLogKeys(List.of(ED25519.verifierKey(), MLDSA44.verifierKey()));
  }

  public FaultyObjectStore objects() {
    return objects;
  }

  public MemoryObjectStore memoryObjects() {
    return memoryObjects;
  }

  /** The integrated tree head's store. */
  public FaultyTreeStateStore treeState() {
    return treeState;
  }

  /** The sequence log: the commit point of writes. */
  public FaultySequenceLog sequenceLog() {
    return sequenceLog;
  }

  public MemorySequenceLog memorySequenceLog() {
    return memorySequenceLog;
  }

  public FaultyDedupIndex dedup() {
    return dedup;
  }

  public FaultyCheckpointStore checkpoints() {
    return checkpoints;
  }

  public FaultyCheckpointHistory history() {
    return history;
  }

  public MemoryCheckpointHistory memoryHistory() {
    return memoryHistory;
  }

  public TestClock clock() {
    return clock;
  }

  /** Replaces the dedup index, as if it were lost; takes effect at the next (re)start. */
  public void replaceDedup(DedupIndex fresh) {
    dedup = new FaultyDedupIndex(fresh);
    dedup.crashWith(crash);
  }

  /**
   * Opens the coordinator over the stores (as a process start does), takes the lease, and opens
   * and starts a sequencer.
   */
  public Sequencer start() throws IOException {
    coordinator = EmbeddedCoordinator.open(new EmbeddedCoordinator.Parts(sequenceLog, dedup,
        treeState, checkpoints, history, objects, () -> {}), clock);
    lease = coordinator.acquire("memory-log");
    sequencer = Sequencer.open(objects, lease, config, observer);
    sequencer.start();
    return sequencer;
  }

  /** Tells {@code observer} about the batches and integrations of the sequencers started next. */
  public void observe(Sequencer.BatchObserver observer) {
    this.observer = observer;
  }

  /** The coordinator over the stores, opened by the last {@link #start()}. */
  public EmbeddedCoordinator coordinator() {
    return coordinator;
  }

  /** The lease the sequencer and publisher hold. */
  public Lease lease() {
    return lease;
  }

  /** Closes the sequencer (and publisher) and opens a new one over the same stores. */
  public Sequencer restart() throws IOException {
    close();
    return start();
  }

  /** Opens a publisher over the running sequencer; it is closed with this log. */
  public Publisher openPublisher() throws IOException {
    return openPublisher(CheckpointEndorser.NONE, Duration.ofSeconds(10));
  }

  /** Opens a publisher whose checkpoints go through {@code endorser} first. */
  public Publisher openPublisher(CheckpointEndorser endorser, Duration timeout)
      throws IOException {
    if (publisher != null) {
      publisher.close();
    }
    List<NoteSigner> signers = signers(clock);
    publisher = Publisher.open(ORIGIN, text -> SignedNote.sign(text, signers), sequencer, lease, objects, endorser,
        timeout, clock);
    return publisher;
  }

  public Sequencer sequencer() {
    return sequencer;
  }

  /**
   * The stored tiles and bundles, read as a tlog-tiles log, at any width within the integrated
   * tree.
   */
  public TreeTiles tiles() {
    return new TreeTiles(new ObjectStoreReader(memoryObjects, "the memory log"),
        () -> coordinator.integrated().size());
  }

  /** The first {@code size} entries, read back from the stored bundles. */
  public List<byte[]> entries(long size) throws IOException {
    List<byte[]> out = new ArrayList<>();
    for (long i = 0; i < size; i += 256) {
      out.addAll(tiles().entries(TileLayout.bundleFor(i, size)));
    }
    return out;
  }

  /** The root of the first {@code size} leaves, computed from the stored hash tiles. */
  public Hash tileRoot(long size) throws IOException {
    return tiles().treeHash(size);
  }

  @Override
  public void close() {
    if (publisher != null) {
      publisher.close();
      publisher = null;
    }
    if (sequencer != null) {
      sequencer.close();
      sequencer = null;
    }
    if (lease != null) {
      lease.close();
      lease = null;
    }
  }
}
