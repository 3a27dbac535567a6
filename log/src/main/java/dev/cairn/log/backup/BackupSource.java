package dev.cairn.log.backup;

import dev.cairn.log.replay.LogSource;
import dev.cairn.log.replay.Progress;
import dev.cairn.log.storage.CheckpointHistory;
import dev.cairn.log.storage.ObjectStore;
import dev.cairn.log.storage.TreeHead;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A backup, read as a stored log: what {@code cairn verify --data BACKUP} replays. */
public final class BackupSource implements LogSource {
  private final Path dir;
  private final BackupManifest manifest;
  private final HistorySegments history;
  /** Full-width object path to the backup file that holds it. */
  private final Map<String, String> objects = new HashMap<>();

  private BackupSource(Path dir, BackupManifest manifest) {
    this.dir = dir;
    this.manifest = manifest;
    this.history = new HistorySegments(dir, manifest);
    for (String f : manifest.files().keySet()) {
      if (f.startsWith("tiles/")) {
        objects.put(objectPath(f), f);
      }
    }
  }

  /** The full-width object path a backup file holds: {@code tiles/tile/0/005.p/37 → tile/0/005}. */
  static String objectPath(String backupFile) {
    String p = backupFile.substring("tiles/".length());
    int partial = p.indexOf(".p/");
    return partial < 0 ? p : p.substring(0, partial);
  }

  /**
   * Opens the backup in {@code dir}.
   *
   * @throws IOException if it has no manifest or the manifest is unreadable
   */
  public static BackupSource open(Path dir) throws IOException {
    BackupManifest m = BackupManifest.read(dir).orElseThrow(() -> new IOException(
        dir + " is not a Cairn backup (it has no " + BackupManifest.NAME + ")"));
    return new BackupSource(dir, m);
  }

  /** The manifest. */
  public BackupManifest manifest() {
    return manifest;
  }

  /** The backup's directory. */
  public Path dir() {
    return dir;
  }

  /** The backup file holding the object at full-width {@code path}, if any. */
  Optional<String> fileOf(String path) {
    return Optional.ofNullable(objects.get(path));
  }

  @Override
  public String describe() {
    return "backup " + dir;
  }

  @Override
  public ObjectStore objects() {
    return new ObjectStore() {
      @Override
      public void put(String path, byte[] data) {
        throw new UnsupportedOperationException("a backup is read-only");
      }

      @Override
      public Optional<byte[]> get(String path) throws IOException {
        String f = objects.get(path);
        return f == null ? Optional.empty() : Optional.of(Files.readAllBytes(dir.resolve(f)));
      }
    };
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
