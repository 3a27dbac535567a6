package dev.cairn.cli;

import dev.cairn.log.storage.embedded.AtomicFiles;
import dev.cairn.note.SignerKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Signer key files: one {@code PRIVATE+KEY+...} line per key; blank lines and lines starting with
 * {@code #} are ignored. Written once, readable by the owner only, and never overwritten.
 */
final class KeyFiles {
  private KeyFiles() {}

  /** Reads every signer key in {@code file}. */
  static List<SignerKey> read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new CliException(CliException.IO, "no such key file: " + file);
    } catch (IOException e) {
      throw new CliException(CliException.IO, "couldn't read key file " + file + ": " + e);
    }
    List<SignerKey> keys = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      try {
        keys.add(SignerKey.parse(line));
      } catch (IllegalArgumentException e) {
        throw new CliException(
            CliException.USAGE, file + " line " + (i + 1) + ": " + e.getMessage());
      }
    }
    if (keys.isEmpty()) {
      throw new CliException(CliException.USAGE, file + " holds no signer key");
    }
    return keys;
  }

  /**
   * Writes {@code text} to a new file, synced to disk; if {@code secret}, created readable only
   * by its owner (where the file system has POSIX permissions).
   */
  static void writeNew(Path file, String text, boolean secret) {
    try {
      AtomicFiles.createNew(file, text.getBytes(StandardCharsets.UTF_8), secret);
    } catch (FileAlreadyExistsException e) {
      throw new CliException(CliException.USAGE, "refusing to overwrite " + file);
    } catch (IOException e) {
      throw new CliException(CliException.IO, "couldn't write " + file + ": " + e);
    }
  }
}
