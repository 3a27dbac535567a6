package dev.cairn.log.backup;

import dev.cairn.log.replay.LogSource;
import dev.cairn.log.replay.Progress;
import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.read.DirectoryLogReader;
import dev.cairn.read.LogReader;
import dev.cairn.log.storage.TreeHead;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** A backup, read as a stored log: what {@code cairn verify --data BACKUP} replays. */
public final class BackupSource implements LogSource {
  private final Path dir;
  private final BackupManifest manifest;
  private final HistorySegments history;
  private final LogReader tiles;

  private BackupSource(Path dir, BackupManifest manifest, LogReader tiles) {
    this.dir = dir;
    this.manifest = manifest;
    this.history = new HistorySegments(dir, manifest);
    this.tiles = tiles;
  }

  /**
   * Opens the backup in {@code dir}.
   *
   * @throws IOException if it has no manifest or the manifest is unreadable
   */
  public static BackupSource open(Path dir) throws IOException {
    BackupManifest m = BackupManifest.read(dir).orElseThrow(() -> new IOException(
        dir + " is not a Cairn backup (it has no " + BackupManifest.NAME + ")"));
    // A backup's tiles/ holds the public layout: full tiles and the partials of its size (a
    // backup of an empty log has none, and no tiles/ either).
    Path tiles = dir.resolve("tiles");
    return new BackupSource(dir, m, DirectoryLogReader.open(
        Files.isDirectory(tiles) ? tiles : dir, dir.resolve(m.checkpointFile())));
  }

  /** The manifest. */
  public BackupManifest manifest() {
    return manifest;
  }

  /** The backup's directory. */
  public Path dir() {
    return dir;
  }

  @Override
  public String describe() {
    return "backup " + dir;
  }

  @Override
  public LogReader reader() {
    return tiles;
  }

  @Override
  public Optional<TreeHead> treeHead() {
    return Optional.of(new TreeHead(manifest.size(), manifest.root()));
  }

  @Override
  public Optional<byte[]> latestCheckpoint() throws IOException {
    return Optional.of(Files.readAllBytes(dir.resolve(manifest.checkpointFile())));
  }

  @Override
  public CheckpointHistory history() {
    return history;
  }

  @Override
  public List<String> verifierKeys() throws IOException {
    return dev.cairn.log.LogKeys.historyKeys(dir);
  }

  @Override
  public void checkIntegrity(Progress progress) throws IOException {
    manifest.check(dir, progress);
  }

  @Override
  public void close() {}
}
