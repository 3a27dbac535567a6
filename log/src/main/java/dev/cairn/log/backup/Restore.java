package dev.cairn.log.backup;

import dev.cairn.merkle.Hash;
import dev.cairn.log.replay.Progress;
import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.TreeHead;
import dev.cairn.log.storage.embedded.AtomicFiles;
import dev.cairn.log.storage.embedded.CheckpointPartials;
import dev.cairn.log.storage.embedded.DataDir;
import dev.cairn.log.storage.embedded.DedupIndex;
import dev.cairn.log.storage.embedded.HistoryStore;
import dev.cairn.log.storage.embedded.DataDirLock;
import dev.cairn.log.storage.embedded.LocalObjectStore;
import dev.cairn.log.storage.embedded.LocalTreeStateStore;
import dev.cairn.log.storage.embedded.HashDedupIndex;
import dev.cairn.log.storage.embedded.RocksIndex;
import dev.cairn.tile.HashTile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Restores a backup into a data directory that {@code cairn serve} resumes from: checks every
 * file against the manifest, then writes the keys, the tiles and bundles (under the same paths:
 * both keep the public tlog-tiles layout), the history and the partial tiles its checkpoints
 * need, a dedup index of every entry, the tree state and the checkpoint. A marker file ({@value #MARKER}) is written first and removed
 * last; the log refuses to start while it exists, so a restore that was interrupted cannot be
 * served half-done.
 */
public final class Restore {
  /** Present in a data directory while a restore into it is unfinished. */
  public static final String MARKER = DataDir.RESTORE_MARKER;
  private static final int GROUP = 512;
  private static final long GROUP_BYTES = 64L << 20;
  /** What a forced restore leaves in place: the lock, and the audit trail (not in backups). */
  private static final java.util.Set<String> KEPT = java.util.Set.of("cairn.lock",
      "audit.jsonl");

  private Restore() {}

  /**
   * What a restore did.
   *
   * @param manifest the backup's manifest
   * @param files files written
   */
  public record Result(BackupManifest manifest, long files) {}

  /**
   * Restores the backup in {@code backup} into {@code dataDir}.
   *
   * @param force replace what {@code dataDir} holds; without it a non-empty directory is refused
   * @throws IOException if the backup fails its manifest, the directory is not empty (without
   *     {@code force}) or in use, or writing fails
   */
  public static Result run(Path backup, Path dataDir, boolean force, Progress progress)
      throws IOException {
    BackupSource source = BackupSource.open(backup);
    BackupManifest m = source.manifest();
    m.check(backup, progress);
    Files.createDirectories(dataDir);
    try (DataDirLock lock = DataDirLock.acquire(dataDir)) {
      List<Path> present;
      try (Stream<Path> s = Files.list(dataDir)) {
        present = s.filter(p -> !KEPT.contains(p.getFileName().toString())).toList();
      }
      if (!present.isEmpty() && !force) {
        throw new IOException(dataDir + " is not empty (it holds " + present.size()
            + " entries, e.g. " + present.getFirst().getFileName()
            + "): restore into an empty directory, or pass --force to replace its contents");
      }
      // The marker before anything is deleted: from here until it is removed, the log refuses
      // to start on this directory, whatever state an interruption leaves.
      Files.write(dataDir.resolve(MARKER), new byte[0]);
      AtomicFiles.syncDirectory(dataDir);
      for (Path p : present) {
        if (!p.getFileName().toString().equals(MARKER)) {
          AtomicFiles.deleteRecursively(p);
        }
      }
      Path tmp = dataDir.resolve(".tmp");
      AtomicFiles.prepareTmpDir(tmp);

      AtomicFiles.createOwnerOnlyDirectory(dataDir.resolve("keys"));
      for (String f : m.files().keySet().stream().filter(f -> f.startsWith("keys/")).sorted()
          .toList()) {
        AtomicFiles.createNew(dataDir.resolve(f), Files.readAllBytes(backup.resolve(f)),
            f.endsWith(".skey"));
      }
      AtomicFiles.syncDirectory(dataDir.resolve("keys"));
      AtomicFiles.write(dataDir.resolve("log.vkey"),
          Files.readAllBytes(backup.resolve("log.vkey")), tmp);

      LocalObjectStore objects = new LocalObjectStore(dataDir.resolve("tiles"));
      long files = restoreObjects(backup, objects, m, progress);
      try (RocksIndex index = RocksIndex.open(dataDir.resolve("index"))) {
        restoreHistory(source, index.history(), progress);
        CheckpointPartials.write(objects, m.size(), index.history(), -1);
      }
      // Built in memory when it fits (random stores there cost a tenth of a file mapping's),
      // written out and synced when closed.
      Path dedupDir = dataDir.resolve("dedup");
      try (HashDedupIndex dedup = HashDedupIndex.fitsInMemory(m.size())
          ? HashDedupIndex.build(dedupDir) : HashDedupIndex.open(dedupDir)) {
        dedup.reserve(m.size());
        dedup.warmInBackground(); // mapped: its pages copied into memory beside the indexing
        indexEntries(source, dedup, m.size(), progress);
        dedup.finish();
      }
      LocalTreeStateStore state = new LocalTreeStateStore(dataDir.resolve("tree-state"), tmp);
      try {
        state.save(new TreeHead(m.size(), m.root()));
      } finally {
        state.close();
      }
      byte[] checkpoint = Files.readAllBytes(backup.resolve(m.checkpointFile()));
      AtomicFiles.write(dataDir.resolve("checkpoint"), checkpoint, tmp);
      objects.publishCheckpoint(checkpoint);
      DataDir.writeLayout(dataDir);
      Files.delete(dataDir.resolve(MARKER));
      AtomicFiles.syncDirectory(dataDir);
      return new Result(m, files);
    }
  }

  /** Writes the backup's tiles and bundles into {@code objects}; returns how many. */
  static long restoreObjects(Path backup, ObjectStore objects, BackupManifest m,
      Progress progress) throws IOException {
    List<String> tiles = m.files().keySet().stream().filter(f -> f.startsWith("tiles/"))
        .toList();
    progress.start("restoring tiles and bundles", tiles.size(), "files");
    Map<String, byte[]> group = new LinkedHashMap<>();
    long done = 0;
    long bytes = 0;
    for (String f : tiles) {
      byte[] data = Files.readAllBytes(backup.resolve(f));
      group.put(f.substring("tiles/".length()), data);
      bytes += data.length;
      if (group.size() == GROUP || bytes >= GROUP_BYTES) {
        objects.createAll(group);
        done += group.size();
        group.clear();
        bytes = 0;
        progress.advance(done);
      }
    }
    objects.createAll(group);
    progress.advance(done + group.size());
    progress.finish();
    return tiles.size();
  }

  private static void restoreHistory(BackupSource source, HistoryStore target,
      Progress progress) throws IOException {
    CheckpointHistory history = source.history();
    progress.start("restoring the checkpoint history", 0, "checkpoints");
    long after = -1;
    long restored = 0;
    while (true) {
      List<CheckpointHistory.Entry> page = history.list(after, HistorySegments.SEGMENT,
          Instant.EPOCH, Instant.MAX);
      if (page.isEmpty()) {
        break;
      }
      target.appendAll(page);
      after = page.getLast().size();
      restored += page.size();
      progress.advance(restored);
    }
    progress.finish();
  }

  /**
   * Indexes every entry for dedup, so the restored log need not rebuild it when it starts. The
   * leaf hashes are read from the level-0 tiles, which the manifest's digests vouch for as they
   * do for the bundles: they are what the tree commits to (hashing the entries again measured
   * no slower).
   */
  private static void indexEntries(BackupSource source, DedupIndex dedup, long size,
      Progress progress) throws IOException {
    progress.start("indexing entries", size, "entries");
    List<DedupIndex.Mapping> mappings = new ArrayList<>();
    for (long b = 0; b * HashTile.FULL_WIDTH < size; b++) {
      long first = b * HashTile.FULL_WIDTH;
      int width = (int) Math.min(HashTile.FULL_WIDTH, size - first);
      byte[] leaves = source.reader().readTile(new HashTile(0, b, width));
      for (int i = 0; i < width; i++) {
        mappings.add(new DedupIndex.Mapping(Hash.copyOf(leaves, i * Hash.SIZE), first + i));
      }
      if (mappings.size() >= 64 * HashTile.FULL_WIDTH || first + width == size) {
        dedup.add(mappings, first + width);
        mappings.clear();
        progress.advance(first + width);
      }
    }
    progress.finish();
  }
}
