package dev.cairn.log.replay;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import dev.cairn.note.SignedNote;
import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.log.storage.StorageException;
import dev.cairn.log.storage.TreeHead;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TileBuilder;
import dev.cairn.tile.TileLayout;
import dev.cairn.tile.TilePath;
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
 * Replays a stored log from its entries alone and compares everything stored with the replay.
 *
 * <p>In one pass over the entry bundles, in index order: each entry's leaf hash is computed and
 * compared with the level-0 tile; the hashes feed a {@link TileBuilder} whose every completed and
 * final partial tile at the higher levels is compared with the stored one; whenever the replayed
 * tree reaches the size of the next checkpoint in the history, that checkpoint's signatures are
 * checked and its root compared. Every checkpoint is so recomputed from one sequence of entries,
 * which is what makes each consistent with the one before; the history's sizes must grow and
 * its times must not go back. At the end the tree state's root is compared.
 *
 * <p>The run stops at the first {@link Divergence}. Its report holds no timings, so the same data
 * gives the same report.
 */
public final class Replay {
  private static final int PAGE = 512;
  private static final HexFormat HEX = HexFormat.of();

  private final LogSource source;
  private final LogVerifier verifier;
  private final Progress progress;
  private final Hasher hasher = new Hasher();
  private final List<String> report = new ArrayList<>();
  private final byte[] leaf = new byte[Hash.SIZE];

  private final boolean checkDedup;
  private long dedupWatermark;

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
   * watermark to the entry's index (a lookup per entry: several times slower).
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
    }
    Optional<byte[]> latest = source.latestCheckpoint();
    TileBuilder tiles = TileBuilder.empty();
    Checkpoints history = new Checkpoints(source.history());
    TileCheck check = new TileCheck();
    long size = head.size();
    progress.start("replaying " + source.describe(), size, "entries");
    history.reached(0, tiles);
    for (long bundle = 0; bundle * EntryBundle.FULL_WIDTH < size; bundle++) {
      long first = bundle * EntryBundle.FULL_WIDTH;
      int width = (int) Math.min(EntryBundle.FULL_WIDTH, size - first);
      EntryBundle b = new EntryBundle(bundle, width);
      HashTile t = new HashTile(0, bundle, width);
      byte[] entries = object(b);
      byte[] tile = hashes(t);
      int off = 0;
      for (int i = 0; i < width; ) {
        // Up to the next checkpoint inside this bundle, or the bundle's end.
        long next = history.nextSize();
        int end = next > first + i && next < first + width ? (int) (next - first) : width;
        off = leaves(b, t, entries, off, tile, i, end, tiles, check);
        i = end;
        history.reached(first + i, tiles);
      }
      if (checkDedup) {
        checkDedup(first, width, tile);
      }
      if (width == EntryBundle.FULL_WIDTH && off != entries.length) {
        throw new Divergence("bundle " + b.path() + " has " + (entries.length - off)
            + " bytes after its " + EntryBundle.FULL_WIDTH + " entries");
      }
      progress.advance(first + width);
    }
    if (history.nextSize() >= 0) {
      throw new Divergence("the history holds a checkpoint of size " + history.nextSize()
          + ", but the tiles and bundles only reach size " + size + " (the tree state)");
    }
    progress.finish();
    for (TileBuilder.TileData partial : tiles.partialTiles(0)) {
      if (partial.tile().level() > 0) {
        compareTile(partial.tile(), partial.data());
      }
    }
    report.add("entries: " + size + " replayed; every leaf hash, tile and bundle matches");
    if (!tiles.root().equals(head.root())) {
      throw new Divergence("the tree state says size " + size + " has root " + head.root()
          + ", but the entries give " + tiles.root());
    }
    report.add("tree state: size " + size + ", root " + head.root() + " matches");
    if (checkDedup) {
      report.add("dedup index: every entry below its watermark (" + Math.min(dedupWatermark,
          size) + ") maps to its own index (or an earlier copy's)");
    }
    report.add("history: " + history.count + " checkpoints, each signed by the log's keys and"
        + " with the root of the entries before it");
    checkLatest(latest, history.previous, size);
    return new Result(size, history.count, List.copyOf(report));
  }

  /**
   * Hashes the entries at positions {@code [from, to)} of bundle {@code b}, which start at byte
   * {@code off}, compares their leaf hashes with tile {@code t} and appends them to the tree;
   * returns the offset after them. Kept apart from {@link #run} so the JIT compiles this small
   * hot loop early instead of the whole replay.
   */
  private int leaves(EntryBundle b, HashTile t, byte[] entries, int off, byte[] tile, int from,
      int to, TileBuilder tree, TileCheck check) throws Divergence, IOException {
    byte[] leaf = this.leaf;
    long first = b.index() * EntryBundle.FULL_WIDTH;
    for (int i = from; i < to; i++) {
      if (off + 2 > entries.length) {
        throw new Divergence("bundle " + b.path() + " is truncated: it ends (" + entries.length
            + " bytes) before entry " + (first + i) + " (position " + i + ")");
      }
      int len = ((entries[off] & 0xff) << 8) | (entries[off + 1] & 0xff);
      if (off + 2 + len > entries.length) {
        throw new Divergence("bundle " + b.path() + " is truncated: entry " + (first + i)
            + " (position " + i + ") has " + len + " bytes but only "
            + (entries.length - off - 2) + " remain");
      }
      hasher.leafInto(entries, off + 2, len, leaf, 0);
      off += 2 + len;
      if (Arrays.mismatch(leaf, 0, Hash.SIZE, tile, i * Hash.SIZE, (i + 1) * Hash.SIZE) >= 0) {
        throw new Divergence("entry " + (first + i) + ": tile " + t.path() + " holds leaf hash "
            + hex(tile, i) + " at position " + i + ", but the entry in " + b.path()
            + " hashes to " + HEX.formatHex(leaf));
      }
      tree.append(leaf, 0, check);
    }
    check.rethrow();
    return off;
  }

  /** Checks the dedup index's mapping of each leaf hash of one bundle (verified in tile). */
  private void checkDedup(long first, int width, byte[] tile) throws Divergence, IOException {
    List<Hash> hashes = new ArrayList<>(width);
    for (int i = 0; i < width; i++) {
      hashes.add(Hash.copyOf(tile, i * Hash.SIZE));
    }
    java.util.Map<Hash, Long> found = source.dedup().orElseThrow().lookup(hashes);
    for (int i = 0; i < width; i++) {
      long index = first + i;
      Long mapped = found.get(hashes.get(i));
      if (mapped == null ? index < dedupWatermark : mapped > index) {
        throw new Divergence("the dedup index " + (mapped == null ? "lacks entry " + index
            + " (below its watermark " + dedupWatermark + ")" : "maps entry " + index
            + "'s leaf hash to index " + mapped) + ": a resubmission would get the wrong"
            + " answer");
      }
    }
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
    Hash root = source.tiles().treeHash(c.size());
    if (!root.equals(c.root())) {
      throw new Divergence("the latest checkpoint (size " + c.size() + ") has root " + c.root()
          + ", but the entries give " + root);
    }
    report.add("latest checkpoint: size " + c.size() + ", not yet in the history (the log adds"
        + " it when it next starts); signatures and root match");
  }

  /** The stored tile or bundle, exactly as wide as {@code path}. */
  private byte[] object(TilePath path) throws Divergence, IOException {
    try {
      return path instanceof HashTile h ? source.tiles().readTile(h)
          : source.tiles().readBundle((EntryBundle) path);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new Divergence(path.path() + " is missing");
    } catch (StorageException e) {
      if (e.kind() == StorageException.Kind.CORRUPT) {
        throw new Divergence(e.getMessage());
      }
      throw e;
    }
  }

  /** The stored hash tile, exactly as wide as {@code tile}. */
  private byte[] hashes(HashTile tile) throws Divergence, IOException {
    return object(tile);
  }

  private void compareTile(HashTile tile, byte[] replayed) throws Divergence, IOException {
    byte[] stored = hashes(tile);
    int at = Arrays.mismatch(replayed, 0, replayed.length, stored, 0, replayed.length);
    if (at >= 0) {
      int i = at / Hash.SIZE;
      long nodeLevel = tile.level() * 8L;
      long node = tile.index() * TilePath.FULL_WIDTH + i;
      long span = 1L << nodeLevel;
      throw new Divergence("tile " + tile.path() + ": hash " + i + " (the subtree of entries "
          + node * span + " to " + ((node + 1) * span - 1) + ") is " + hex(stored, i)
          + " but the entries give " + hex(replayed, i));
    }
  }

  private static String hex(byte[] hashes, int i) {
    return HEX.formatHex(hashes, i * Hash.SIZE, (i + 1) * Hash.SIZE);
  }

  /** Compares each completed tile above level 0 with the stored one, as the builder makes it. */
  private final class TileCheck implements TileBuilder.Sink {
    private Divergence failed;
    private IOException ioFailed;

    @Override
    public void tile(HashTile tile, byte[] data) {
      if (tile.level() == 0 || failed != null || ioFailed != null) {
        return;
      }
      try {
        compareTile(tile, data);
      } catch (Divergence e) {
        failed = e;
      } catch (IOException e) {
        ioFailed = e;
      }
    }

    void rethrow() throws Divergence, IOException {
      if (failed != null) {
        throw failed;
      }
      if (ioFailed != null) {
        throw ioFailed;
      }
    }
  }

  /** The history's checkpoints, checked one by one as the replayed tree reaches their sizes. */
  private final class Checkpoints {
    private final HistoryCursor cursor;
    private CheckpointHistory.Entry next;
    private CheckpointHistory.Entry previous;
    private String origin;
    private long count;

    Checkpoints(CheckpointHistory history) {
      cursor = new HistoryCursor(history);
      next = cursor.hasNext() ? cursor.next() : null;
    }

    /** The size of the next checkpoint to check, or -1 if none is left. */
    long nextSize() {
      return next == null ? -1 : next.size();
    }

    /** The replayed tree has {@code size} leaves: checks the checkpoint of that size, if any. */
    void reached(long size, TileBuilder tree) throws Divergence {
      if (next != null && next.size() == size) {
        origin = checkCheckpoint(next, previous, origin, tree.root());
        count++;
        previous = next;
        next = cursor.hasNext() ? cursor.next() : null;
      }
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
