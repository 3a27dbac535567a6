package dev.cairn.log.backup;

import dev.cairn.merkle.Hash;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The manifest of a backup: the log it is of, the tree head it captures, and every file in it
 * with its size and SHA-256. As text:
 *
 * <pre>
 *   cairn-backup v1
 *   origin example.com/log
 *   size 1234
 *   root &lt;base64 of the root hash&gt;
 *   &lt;sha-256 hex&gt; &lt;bytes&gt; &lt;path&gt;      one line per file, sorted by path
 * </pre>
 *
 * @param origin the log's origin
 * @param size the tree size the backup captures
 * @param root the root hash at that size
 * @param files each file's path (relative, '/'-separated) and what it must hold
 */
public record BackupManifest(String origin, long size, Hash root, Map<String, FileInfo> files) {
  /** The manifest's file name in a backup. */
  public static final String NAME = "manifest";
  private static final String MAGIC = "cairn-backup v1";
  private static final Pattern PATH =
      Pattern.compile("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*");
  private static final HexFormat HEX = HexFormat.of();

  /**
   * A file's expected contents.
   *
   * @param sha256 the SHA-256 of its bytes, lowercase hex
   * @param bytes its length
   */
  public record FileInfo(String sha256, long bytes) {}

  /** Checks the fields and sorts the files. */
  public BackupManifest {
    if (origin.isEmpty() || origin.chars().anyMatch(c -> c < 0x21)) {
      throw new IllegalArgumentException("bad origin in manifest: \"" + origin + "\"");
    }
    if (size < 0) {
      throw new IllegalArgumentException("negative size in manifest");
    }
    for (String p : files.keySet()) {
      if (!PATH.matcher(p).matches() || p.contains("..")) {
        throw new IllegalArgumentException("bad path in manifest: \"" + p + "\"");
      }
    }
    files = Collections.unmodifiableMap(new TreeMap<>(files));
  }

  /** The file that holds the captured checkpoint. */
  public String checkpointFile() {
    return checkpointFile(size);
  }

  /** The file that holds a captured checkpoint of {@code size}. */
  static String checkpointFile(long size) {
    return "checkpoint-" + size;
  }

  /** The manifest as text. */
  public byte[] encode() {
    StringBuilder b = new StringBuilder(MAGIC).append('\n')
        .append("origin ").append(origin).append('\n')
        .append("size ").append(size).append('\n')
        .append("root ").append(root.toBase64()).append('\n');
    for (Map.Entry<String, FileInfo> f : files.entrySet()) {
      b.append(f.getValue().sha256()).append(' ').append(f.getValue().bytes()).append(' ')
          .append(f.getKey()).append('\n');
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Parses a manifest.
   *
   * @throws IllegalArgumentException naming the line that is wrong
   */
  public static BackupManifest parse(byte[] data) {
    String[] lines = new String(data, StandardCharsets.UTF_8).split("\n", -1);
    if (lines.length < 5 || !lines[0].equals(MAGIC)) {
      throw new IllegalArgumentException("not a Cairn backup manifest (it must start with \""
          + MAGIC + "\")");
    }
    if (!lines[lines.length - 1].isEmpty()) {
      throw new IllegalArgumentException("the manifest is truncated (no final newline)");
    }
    String origin = field(lines[1], "origin");
    long size;
    Hash root;
    try {
      size = Long.parseLong(field(lines[2], "size"));
      root = Hash.fromBase64(field(lines[3], "root"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("bad size or root in the manifest: " + e.getMessage());
    }
    Map<String, FileInfo> files = new LinkedHashMap<>();
    for (int i = 4; i < lines.length - 1; i++) {
      String[] f = lines[i].split(" ", 3);
      if (f.length != 3 || f[0].length() != 64 || !f[0].chars().allMatch(
          c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        throw new IllegalArgumentException("manifest line " + (i + 1) + " is not"
            + " \"<sha-256> <bytes> <path>\": " + lines[i]);
      }
      long bytes;
      try {
        bytes = Long.parseLong(f[1]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("manifest line " + (i + 1) + ": bad size " + f[1]);
      }
      if (bytes < 0 || files.put(f[2], new FileInfo(f[0], bytes)) != null) {
        throw new IllegalArgumentException("manifest line " + (i + 1) + ": bad or repeated"
            + " entry for " + f[2]);
      }
    }
    return new BackupManifest(origin, size, root, files);
  }

  private static String field(String line, String name) {
    if (!line.startsWith(name + " ")) {
      throw new IllegalArgumentException("the manifest lacks its \"" + name + "\" line");
    }
    return line.substring(name.length() + 1);
  }

  /** The manifest of the backup in {@code dir}, if it has one. */
  public static Optional<BackupManifest> read(Path dir) throws IOException {
    byte[] data;
    try {
      data = Files.readAllBytes(dir.resolve(NAME));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    try {
      return Optional.of(parse(data));
    } catch (IllegalArgumentException e) {
      throw new IOException("the manifest of " + dir + " is unreadable: " + e.getMessage());
    }
  }

  /** The SHA-256 of {@code data}, lowercase hex. */
  static String sha256(byte[] data) {
    try {
      return HEX.formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * Checks that {@code dir} holds every file of this manifest with its size and digest.
   *
   * @throws IOException naming the first file that is missing, of the wrong size or corrupt
   */
  public void check(Path dir, dev.cairn.log.replay.Progress progress) throws IOException {
    long total = files.values().stream().mapToLong(FileInfo::bytes).sum();
    progress.start("checking the backup's " + files.size() + " files", total, "bytes");
    long done = 0;
    for (Map.Entry<String, FileInfo> f : files.entrySet()) {
      Path file = dir.resolve(f.getKey());
      byte[] data;
      try {
        data = Files.readAllBytes(file);
      } catch (NoSuchFileException e) {
        throw new IOException("the backup lacks " + f.getKey() + ", which its manifest lists");
      }
      if (data.length != f.getValue().bytes()) {
        throw new IOException("the backup's " + f.getKey() + " has " + data.length
            + " bytes, its manifest says " + f.getValue().bytes());
      }
      String digest = sha256(data);
      if (!digest.equals(f.getValue().sha256())) {
        throw new IOException("the backup's " + f.getKey() + " is corrupt: its SHA-256 is "
            + digest + ", its manifest says " + f.getValue().sha256());
      }
      done += data.length;
      progress.advance(done);
    }
    progress.finish();
  }
}
