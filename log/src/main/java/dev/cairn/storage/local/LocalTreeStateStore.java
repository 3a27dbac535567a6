package dev.cairn.storage.local;

import dev.cairn.merkle.Hash;
import dev.cairn.storage.TreeHead;
import dev.cairn.storage.TreeStateStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The tree state as a small text file, {@code cairn-tree-state/v1}, size and base64 root on
 * their own lines, replaced atomically.
 */
public final class LocalTreeStateStore implements TreeStateStore {
  private static final String HEADER = "cairn-tree-state/v1";

  private final Path file;
  private final Path tmp;

  /** A store in {@code file}; temporary files go to {@code tmpDir}. */
  public LocalTreeStateStore(Path file, Path tmpDir) throws IOException {
    this.file = file;
    this.tmp = tmpDir;
    AtomicFiles.prepareTmpDir(tmpDir);
  }

  @Override
  public Optional<TreeHead> load() throws IOException {
    Optional<byte[]> data = AtomicFiles.read(file);
    if (data.isEmpty()) {
      return Optional.empty();
    }
    String[] lines = new String(data.get(), StandardCharsets.UTF_8).split("\n", -1);
    try {
      if (lines.length != 4 || !lines[0].equals(HEADER) || !lines[3].isEmpty()) {
        throw new IllegalArgumentException("unexpected layout");
      }
      return Optional.of(new TreeHead(Long.parseLong(lines[1]), Hash.fromBase64(lines[2])));
    } catch (IllegalArgumentException e) {
      throw new IOException("tree state file " + file + " is corrupt: " + e.getMessage());
    }
  }

  @Override
  public void save(TreeHead head) throws IOException {
    String text = HEADER + "\n" + head.size() + "\n" + head.root().toBase64() + "\n";
    AtomicFiles.write(file, text.getBytes(StandardCharsets.UTF_8), tmp);
  }
}
