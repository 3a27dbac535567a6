package dev.cairn.log.backup;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.ProofException;
import dev.cairn.merkle.ProofVerifier;
import dev.cairn.merkle.Proofs;
import dev.cairn.note.VerifierKey;
import dev.cairn.log.replay.DataDirSource;
import dev.cairn.log.replay.LogSource;
import dev.cairn.log.replay.Progress;
import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.read.MalformedObjectException;
import dev.cairn.log.storage.embedded.AtomicFiles;
import dev.cairn.log.storage.embedded.DataDirLock;
import dev.cairn.tile.Bundles;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TileHashReader;
import dev.cairn.tile.TileLayout;
import dev.cairn.tile.TilePath;
import dev.cairn.verify.LogVerifier;
import dev.cairn.verify.VerificationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Backs a log up into a backup directory, also while the log serves: from its data directory, or
 * through its storage seams (a cluster's database and bucket, {@link
 * dev.cairn.log.replay.StorageSource}).
 *
 * <p>The backup captures the history's latest checkpoint, of size N, and copies exactly what N
 * needs: every full tile and bundle below N, and the partial ones cut to their width at N —
 * hashes never change, so a stored object that grew since is still right up to that width. It
 * checks the tiles against the checkpoint's root, and, when the directory holds an older backup,
 * that the log at N is consistent with it; then it copies only what the older backup lacks
 * (full tiles and history segments are immutable). Every file is written and synced before the
 * new manifest replaces the old one, so an interrupted backup leaves the previous one intact.
 */
public final class Backup {
  private static final int WRITE_GROUP = 256;
  private static final long WRITE_GROUP_BYTES = 64L << 20;

  private final Path out;
  private final Path tmp;
  private final Optional<BackupManifest> previous;
  private final Map<String, BackupManifest.FileInfo> files = new HashMap<>();
  private final Map<String, byte[]> pending = new java.util.LinkedHashMap<>();
  private final Set<Path> dirs = new LinkedHashSet<>();
  private int written;
  private long pendingBytes;
  private long bytesWritten;
  private int kept;

  private Backup(Path out, Optional<BackupManifest> previous) {
    this.out = out;
    this.tmp = out.resolve(".tmp");
    this.previous = previous;
  }

  /**
   * What a backup did.
   *
   * @param manifest the new manifest
   * @param previousSize the size of the backup it built on, or -1 if there was none
   * @param filesWritten files copied
   * @param bytesWritten bytes copied
   * @param filesKept files of the older backup kept as they were
   */
  public record Result(BackupManifest manifest, long previousSize, int filesWritten,
      long bytesWritten, int filesKept) {}

  /**
   * Backs up the log in {@code dataDir} into {@code out} (created if missing).
   *
   * @throws IOException if the log cannot back a checkpoint, the older backup in {@code out} is
   *     of another log or not consistent with this one, or copying fails
   */
  public static Result run(Path dataDir, Path out, Progress progress) throws IOException {
    try (DataDirSource source = DataDirSource.open(dataDir)) {
      return run(source, dataDir, out, progress);
    }
  }

  /**
   * Backs up the log {@code source} reads (a data directory, or a log's storage seams) into
   * {@code out} (created if missing), with the keys in {@code keys}: {@code log.vkey} and
   * {@code keys/}.
   *
   * @throws IOException as {@link #run(Path, Path, Progress)} does
   */
  public static Result run(LogSource source, Path keys, Path out, Progress progress)
      throws IOException {
    // A backup holds the signing keys: only its owner may enter it.
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    AtomicFiles.createOwnerOnlyDirectory(out);
    if (Files.getFileAttributeView(out, java.nio.file.attribute.PosixFileAttributeView.class)
        != null) { // one made by hand, or by an older version
      Files.setPosixFilePermissions(out,
          java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    }
    try (DataDirLock lock = DataDirLock.acquire(out)) {
      Optional<BackupManifest> previous = BackupManifest.read(out);
      return new Backup(out, previous).copy(source, keys, progress);
    }
  }

  /** The log, in messages: a data directory by its path, as ever; anything else described. */
  private static String where(LogSource source) {
    return source instanceof DataDirSource d ? d.dir().toString() : source.describe();
  }

  private Result copy(LogSource source, Path keys, Progress progress) throws IOException {
    CheckpointHistory.Entry last = source.history().last().orElseThrow(() -> new IOException(
        "the log in " + where(source) + " has not published a checkpoint yet: nothing to back up"));
    Checkpoint checkpoint = verify(source, last.note());
    long size = checkpoint.size();
    TileHashReader reader = new TileHashReader(size, source.reader());
    Hash root = Proofs.treeHash(reader, size);
    if (!root.equals(checkpoint.root())) {
      throw new IOException("the tiles of " + where(source) + " give root " + root + " at size "
          + size + ", but its checkpoint says " + checkpoint.root()
          + ": run `cairn verify --data` on it");
    }
    long previousSize = checkPrevious(checkpoint, reader);
    AtomicFiles.prepareTmpDir(tmp);

    for (String f : keyFiles(keys)) {
      byte[] data = Files.readAllBytes(keys.resolve(f));
      BackupManifest.FileInfo before = previous.map(m -> m.files().get(f)).orElse(null);
      if (before != null && !before.sha256().equals(BackupManifest.sha256(data))) {
        // Rewriting it in place would break the older backup if this one is interrupted.
        throw new IOException(f + " of " + keys + " differs from the one in the backup"
            + " in " + out + " (were keys rotated since?): back up into a new directory");
      }
      put(f, data);
    }
    put(BackupManifest.checkpointFile(size), last.note());

    progress.start("copying tiles and bundles", size, "entries");
    for (long b = 0; b * TilePath.FULL_WIDTH < size; b++) {
      int width = (int) Math.min(TilePath.FULL_WIDTH, size - b * TilePath.FULL_WIDTH);
      copyObject(source, new EntryBundle(b, width));
      copyObject(source, new HashTile(0, b, width));
      if (pending.size() >= WRITE_GROUP || pendingBytes >= WRITE_GROUP_BYTES) {
        flush();
        progress.advance(b * TilePath.FULL_WIDTH + width);
      }
    }
    for (int level = 1; TileLayout.hashesAtLevel(level, size) > 0; level++) {
      long hashes = TileLayout.hashesAtLevel(level, size);
      for (long t = 0; t * TilePath.FULL_WIDTH < hashes; t++) {
        copyObject(source, new HashTile(level, t,
            (int) Math.min(TilePath.FULL_WIDTH, hashes - t * TilePath.FULL_WIDTH)));
      }
    }
    flush();
    progress.advance(size);
    progress.finish();

    long historyFrom = previousSize;
    if (previous.isPresent()) {
      List<String> segments = previous.get().files().keySet().stream()
          .filter(f -> f.startsWith("history/")).toList();
      if (!segments.stream().allMatch(f -> Files.exists(out.resolve(f)))) {
        historyFrom = -1; // a segment went missing: copy the whole history again
      } else {
        segments.forEach(this::keep);
      }
    }
    copyHistory(source, historyFrom, size);
    flush();
    for (Path d : dirs) {
      AtomicFiles.syncDirectory(d);
    }
    BackupManifest manifest = new BackupManifest(checkpoint.origin(), size, root, files);
    AtomicFiles.write(out.resolve(BackupManifest.NAME), manifest.encode(), tmp);
    if (previous.isPresent()) {
      for (String f : previous.get().files().keySet()) {
        if (!files.containsKey(f)) {
          Files.deleteIfExists(out.resolve(f));
          deleteEmptyParents(out.resolve(f).getParent());
        }
      }
    }
    return new Result(manifest, previousSize, written, bytesWritten, kept);
  }

  private Checkpoint verify(LogSource source, byte[] note) throws IOException {
    List<VerifierKey> keys = new ArrayList<>();
    for (String k : source.verifierKeys()) {
      try {
        keys.add(VerifierKey.parse(k));
      } catch (IllegalArgumentException e) {
        throw new IOException("log.vkey of " + where(source) + " is unreadable: " + e.getMessage());
      }
    }
    try {
      return LogVerifier.ofLogKeys(keys).verifyCheckpoint(note).checkpoint();
    } catch (VerificationException e) {
      throw new IOException("the latest checkpoint in the history of " + where(source)
          + " does not verify: " + e.getMessage());
    }
  }

  /** The identity files: {@code log.vkey} and everything in {@code keys/} (ring, key files). */
  private static List<String> keyFiles(Path dataDir) throws IOException {
    List<String> files = new ArrayList<>(List.of("log.vkey"));
    try (var list = Files.list(dataDir.resolve("keys"))) {
      list.filter(Files::isRegularFile).map(p -> "keys/" + p.getFileName()).sorted()
          .forEach(files::add);
    }
    return files;
  }

  /** Checks that the older backup, if any, is of this log and consistent with it. */
  private long checkPrevious(Checkpoint checkpoint, TileHashReader reader) throws IOException {
    if (previous.isEmpty()) {
      return -1;
    }
    BackupManifest old = previous.get();
    String where = "the backup in " + out;
    if (!old.origin().equals(checkpoint.origin())) {
      throw new IOException(where + " is of log \"" + old.origin() + "\", not \""
          + checkpoint.origin() + "\"");
    }
    if (old.size() > checkpoint.size()) {
      throw new IOException(where + " has size " + old.size() + ", beyond the log's latest"
          + " checkpoint (size " + checkpoint.size() + "): the log lost entries, or this is"
          + " another copy of it");
    }
    try {
      if (old.size() > 0) {
        List<Hash> proof = Proofs.consistency(reader, old.size(), checkpoint.size());
        ProofVerifier.verifyConsistency(old.size(), checkpoint.size(), proof, old.root(),
            checkpoint.root());
      }
    } catch (ProofException e) {
      throw new IOException(where + " (size " + old.size() + ", root " + old.root()
          + ") is not consistent with the log at size " + checkpoint.size() + ": "
          + e.getMessage());
    }
    return old.size();
  }

  private void copyObject(LogSource source, TilePath tile) throws IOException {
    String file = "tiles/" + tile.path();
    if (tile.width() == TilePath.FULL_WIDTH && keep(file)) {
      return;
    }
    byte[] data;
    try {
      data = tile instanceof HashTile h ? source.reader().readTile(h)
          : source.reader().readBundle((EntryBundle) tile);
    } catch (MalformedObjectException e) {
      throw new IOException(e.getMessage() + ": run `cairn verify --data` on it", e);
    }
    put(file, data);
  }

  private void copyHistory(LogSource source, long after, long size) throws IOException {
    long from = after;
    while (true) {
      List<CheckpointHistory.Entry> page = source.history().list(from,
          HistorySegments.SEGMENT, Instant.EPOCH, Instant.MAX).stream()
          .filter(e -> e.size() <= size).toList();
      if (page.isEmpty()) {
        return;
      }
      put(HistorySegments.name(page), HistorySegments.encode(page));
      from = page.getLast().size();
      if (from == size) {
        return;
      }
    }
  }

  /** Keeps {@code file} from the older backup, if it has it. */
  private boolean keep(String file) {
    if (previous.isEmpty()) {
      return false;
    }
    BackupManifest.FileInfo info = previous.get().files().get(file);
    if (info == null || !Files.exists(out.resolve(file))) {
      return false;
    }
    files.put(file, info);
    kept++;
    return true;
  }

  private void put(String file, byte[] data) {
    String digest = BackupManifest.sha256(data);
    BackupManifest.FileInfo info = new BackupManifest.FileInfo(digest, data.length);
    if (previous.isPresent() && info.equals(previous.get().files().get(file))
        && Files.exists(out.resolve(file))) {
      files.put(file, info);
      kept++;
      return;
    }
    files.put(file, info);
    pending.put(file, data);
    pendingBytes += data.length;
  }

  /** Writes the pending files: synced temporaries in parallel, then renamed into place. */
  private void flush() throws IOException {
    if (pending.isEmpty()) {
      return;
    }
    List<Path> targets = new ArrayList<>();
    for (String f : pending.keySet()) {
      Path target = out.resolve(f);
      if (dirs.add(target.getParent())) {
        if (target.getParent().equals(out.resolve("keys"))) {
          AtomicFiles.createOwnerOnlyDirectory(target.getParent());
        }
        Files.createDirectories(target.getParent());
        for (Path p = target.getParent(); !p.equals(out); p = p.getParent()) {
          dirs.add(p.getParent());
        }
      }
      targets.add(target);
    }
    List<byte[]> data = new ArrayList<>(pending.values());
    List<Future<Path>> temps = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < targets.size(); i++) {
        Path target = targets.get(i);
        byte[] bytes = data.get(i);
        boolean key = out.relativize(target).startsWith("keys");
        temps.add(pool.submit(() -> AtomicFiles.writeTemp(target, bytes, tmp, key)));
      }
    }
    for (int i = 0; i < targets.size(); i++) {
      try {
        AtomicFiles.rename(temps.get(i).get(), targets.get(i));
      } catch (ExecutionException e) {
        throw e.getCause() instanceof IOException io ? io
            : new IOException("writing " + targets.get(i) + " failed", e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted");
      }
      written++;
      bytesWritten += data.get(i).length;
    }
    pending.clear();
    pendingBytes = 0;
  }

  private void deleteEmptyParents(Path dir) throws IOException {
    while (!dir.equals(out)) {
      try (var entries = Files.list(dir)) {
        if (entries.findAny().isPresent()) {
          return;
        }
      }
      Files.delete(dir);
      dir = dir.getParent();
    }
  }
}
