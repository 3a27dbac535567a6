package dev.cairn.log.replay;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.log.storage.TreeHead;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import dev.cairn.note.SignedNote;
import dev.cairn.read.Divergence;
import dev.cairn.tile.EntryBundle;
import dev.cairn.verify.LogVerifier;
import dev.cairn.verify.VerificationException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * Replays a stored log (a data directory, a backup) from its entries alone and compares
 * everything stored with the replay: core's {@link dev.cairn.read.Replay} engine over the
 * source's tiles, plus what only a stored log has — its storage's own checksums, the checkpoint
 * history, the tree state, the latest checkpoint and the dedup index.
 *
 * <p>In one pass over the entry bundles the engine checks every leaf hash and tile; whenever the
 * replayed tree reaches the size of the next checkpoint in the history, that checkpoint's
 * signatures are checked and its root compared. Every checkpoint is so recomputed from one
 * sequence of entries, which is what makes each consistent with the one before; the history's
 * sizes must grow and its times must not go back. At the end the tree state's root is compared.
 *
 * <p>The run stops at the first {@link Divergence}. Its report holds no timings, so the same data
 * gives the same report.
 */
public final class Replay {
  private static final int PAGE = 512;

  private final LogSource source;
  private final LogVerifier verifier;
  private final Progress progress;
  private final List<String> report = new ArrayList<>();
  private final byte[] leaf = new byte[Hash.SIZE];

  private final boolean checkDedup;
  private long dedupWatermark;
  private DedupCheck dedupCheck;

  private Replay(LogSource source, LogVerifier verifier, Progress progress, boolean checkDedup) {
    this.source = source;
    this.verifier = verifier;
    this.progress = progress;
    this.checkDedup = checkDedup;
  }

  /**
   * What a successful replay found.
   *
   * @param entries the number of entries replayed
   * @param checkpoints the number of checkpoints verified
   * @param report the checks made, one line each, in order; no timings
   */
  public record Result(long entries, long checkpoints, List<String> report) {}

  /**
   * Replays {@code source}, checking signatures with {@code verifier}.
   *
   * @throws Divergence at the first disagreement, describing it
   * @throws IOException if reading fails for another reason than the data being wrong
   */
  public static Result run(LogSource source, LogVerifier verifier, Progress progress)
      throws Divergence, IOException {
    return new Replay(source, verifier, progress, false).run();
  }

  /**
   * Replays {@code source} as {@link #run(LogSource, LogVerifier, Progress)} does, and with
   * {@code checkDedup} also checks that the dedup index maps every entry's leaf hash below its
   * watermark to the entry's index (a lookup per entry, a chunk of entries at a time in the
   * index's order: see {@link DedupCheck}).
   */
  public static Result run(LogSource source, LogVerifier verifier, Progress progress,
      boolean checkDedup) throws Divergence, IOException {
    return new Replay(source, verifier, progress, checkDedup && source.dedup().isPresent())
        .run();
  }

  private Result run() throws Divergence, IOException {
    try {
      source.checkIntegrity(progress);
    } catch (IOException e) {
      throw new Divergence(e.getMessage());
    }
    report.add("integrity: the storage's own checksums pass");
    TreeHead head = source.treeHead().orElse(new TreeHead(0, Hasher.emptyRoot()));
    if (checkDedup) {
      dedupWatermark = source.dedup().orElseThrow().watermark();
      dedupCheck = DedupCheck.of(source.dedup().orElseThrow(), dedupWatermark, head.size());
    }
    Optional<byte[]> latest = source.latestCheckpoint();
    // A log that syncs tiles late publishes over tiles its tree state does not record yet.
    long size = Math.max(head.size(), sizeOf(latest));
    Checkpoints history = new Checkpoints(source.history(), size > head.size() ? head : null);
    progress.start("replaying " + source.describe(), size, "entries");
    Hash root;
    try {
      root = dev.cairn.read.Replay.of(source.reader()).checking(history)
          .observing(checkDedup ? this::checkDedup : dev.cairn.read.Replay.BundleObserver.NONE)
          .reporting(progress::advance).run(0, size);
    } catch (Divergence d) {
      if (checkDedup) {
        // The bundles before the one that diverged are checked first, as a check per bundle
        // would have: the report names the first thing wrong, whatever the chunk's size.
        dedupCheck.finish();
      }
      throw d;
    }
    if (checkDedup) {
      dedupCheck.finish();
    }
    if (history.nextSize() >= 0) {
      throw new Divergence("the history holds a checkpoint of size " + history.nextSize()
          + ", but the tiles and bundles only reach size " + size + " (the tree state, or the"
          + " latest checkpoint)");
    }
    progress.finish();
    report.add("entries: " + size + " replayed; every leaf hash, tile and bundle matches");
    if (size == head.size() && !root.equals(head.root())) {
      throw new Divergence("the tree state says size " + size + " has root " + head.root()
          + ", but the entries give " + root);
    }
    report.add("tree state: size " + head.size() + ", root " + head.root() + " matches"
        + (size == head.size() ? "" : "; the tiles beyond it, to the latest checkpoint's size "
        + size + ", are not synced yet (the log syncs tiles late)"));
    if (checkDedup) {
      report.add("dedup index: every entry below its watermark (" + Math.min(dedupWatermark,
          size) + ") maps to its own index (or an earlier copy's)");
    }
    report.add("history: " + history.count + " checkpoints, each signed by the log's keys and"
        + " with the root of the entries before it");
    checkLatest(latest, history.previous, size);
    return new Result(size, history.count, List.copyOf(report));
  }

  /** Checks the dedup index's mapping of each leaf hash of one verified bundle. */
  private void checkDedup(EntryBundle bundle, byte[] entries, byte[] leafHashes)
      throws Divergence, IOException {
    dedupCheck.add(bundle.firstEntry(), leafHashes, bundle.width());
  }

  /** Checks one checkpoint of the history against the replayed root of its size. */
  private String checkCheckpoint(CheckpointHistory.Entry entry, CheckpointHistory.Entry previous,
      String origin, Hash root) throws Divergence {
    String where = "the history's checkpoint at size " + entry.size();
    Checkpoint c;
    try {
      c = verifier.verifyCheckpoint(entry.note()).checkpoint();
    } catch (VerificationException e) {
      throw new Divergence(where + " does not verify: " + e.getMessage());
    }
    if (c.size() != entry.size()) {
      throw new Divergence(where + " is filed under the wrong size: its note says " + c.size());
    }
    if (origin != null && !origin.equals(c.origin())) {
      throw new Divergence(where + " has origin \"" + c.origin() + "\", the ones before \""
          + origin + "\"");
    }
    if (previous != null && entry.time().isBefore(previous.time())) {
      throw new Divergence(where + " was published at " + entry.time()
          + ", before the one at size " + previous.size() + " (" + previous.time() + ")");
    }
    if (!c.root().equals(root)) {
      throw new Divergence(where + " has root " + c.root() + ", but the first " + entry.size()
          + " entries give " + root);
    }
    return c.origin();
  }

  private void checkLatest(Optional<byte[]> latest, CheckpointHistory.Entry last, long size)
      throws Divergence, IOException {
    if (latest.isEmpty()) {
      if (last != null) {
        throw new Divergence("the latest checkpoint is missing, but the history holds size "
            + last.size());
      }
      report.add("latest checkpoint: none published yet");
      return;
    }
    byte[] note = latest.get();
    if (last != null && Arrays.equals(note, last.note())) {
      report.add("latest checkpoint: the history's last (size " + last.size() + ")");
      return;
    }
    Checkpoint c;
    try {
      c = verifier.verifyCheckpoint(note).checkpoint();
    } catch (VerificationException e) {
      throw new Divergence("the latest checkpoint does not verify: " + e.getMessage());
    }
    if (last != null && c.size() <= last.size()) {
      throw new Divergence("the latest checkpoint (size " + c.size() + ") is not the history's"
          + " last (size " + last.size() + ")");
    }
    if (c.size() > size) {
      throw new Divergence("the latest checkpoint has size " + c.size()
          + ", but the tiles and bundles only reach size " + size);
    }
    // Published but not yet in the history (a crash between the two writes; the log appends it
    // when it next starts): check its root from the stored tiles.
    Hash root = source.reader().treeHash(c.size());
    if (!root.equals(c.root())) {
      throw new Divergence("the latest checkpoint (size " + c.size() + ") has root " + c.root()
          + ", but the entries give " + root);
    }
    report.add("latest checkpoint: size " + c.size() + ", not yet in the history (the log adds"
        + " it when it next starts); signatures and root match");
  }

  /** The history's checkpoints, checked one by one as the replayed tree reaches their sizes. */
  /**
   * The history's checkpoints, checked as the replay reaches them; and the tree state's head,
   * if given (where the replay goes beyond it), checked on the way.
   */
  private final class Checkpoints implements dev.cairn.read.Replay.Checkpoints {
    private final HistoryCursor cursor;
    private CheckpointHistory.Entry next;
    private CheckpointHistory.Entry previous;
    private String origin;
    private long count;
    private TreeHead treeState;

    Checkpoints(CheckpointHistory history, TreeHead treeState) {
      cursor = new HistoryCursor(history);
      next = cursor.hasNext() ? cursor.next() : null;
      this.treeState = treeState != null && treeState.size() > 0 ? treeState : null;
    }

    @Override
    public long nextSize() {
      long checkpoint = next == null ? -1 : next.size();
      return treeState != null && (checkpoint < 0 || treeState.size() < checkpoint)
          ? treeState.size() : checkpoint;
    }

    @Override
    public void reached(long size, Hash root) throws Divergence {
      if (treeState != null && size == treeState.size()) {
        if (!root.equals(treeState.root())) {
          throw new Divergence("the tree state says size " + size + " has root "
              + treeState.root() + ", but the entries give " + root);
        }
        treeState = null;
      }
      if (next == null || size != next.size()) {
        return;
      }
      origin = checkCheckpoint(next, previous, origin, root);
      count++;
      previous = next;
      next = cursor.hasNext() ? cursor.next() : null;
    }
  }

  /** The size of a stored checkpoint; 0 if there is none or it is unreadable (reported later). */
  private static long sizeOf(Optional<byte[]> note) {
    try {
      return note.isEmpty() ? 0
          : Checkpoint.parse(SignedNote.parse(note.get()).text()).size();
    } catch (RuntimeException e) {
      return 0;
    }
  }

  /** The history in pages, oldest first. */
  private static final class HistoryCursor implements Iterator<CheckpointHistory.Entry> {
    private final CheckpointHistory history;
    private Iterator<CheckpointHistory.Entry> page = List.<CheckpointHistory.Entry>of().iterator();
    private long after = -1;
    private boolean exhausted;

    HistoryCursor(CheckpointHistory history) {
      this.history = history;
    }

    @Override
    public boolean hasNext() {
      if (!page.hasNext() && !exhausted) {
        try {
          List<CheckpointHistory.Entry> entries = history.list(after, PAGE, Instant.EPOCH,
              Instant.MAX);
          exhausted = entries.size() < PAGE;
          page = entries.iterator();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      return page.hasNext();
    }

    @Override
    public CheckpointHistory.Entry next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      CheckpointHistory.Entry e = page.next();
      after = e.size();
      return e;
    }
  }
}
