package dev.cairn.release;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One file of a release: its name, size and SHA-256 digest, as a manifest's {@code artifact}
 * line names them.
 *
 * @param name the file name: {@code [A-Za-z0-9._+-]}, 1 to 255 characters, not "." or ".."
 * @param size the size in bytes
 * @param sha256 the SHA-256 digest, 64 lowercase hex digits
 */
public record Artifact(String name, long size, String sha256) {
  private static final int MAX_NAME = 255;

  /**
   * Checks the fields.
   *
   * @throws IllegalArgumentException naming the field that is wrong
   */
  public Artifact {
    checkName(name);
    if (size < 0) {
      throw new IllegalArgumentException(name + ": negative size " + size);
    }
    if (!sha256.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException(name + ": SHA-256 must be 64 lowercase hex digits");
    }
  }

  /**
   * The artifact for {@code file}, named by its file name, hashing it as it reads it.
   *
   * @throws IllegalArgumentException if the file name is not a valid artifact name
   */
  public static Artifact of(Path file) throws IOException {
    String name = file.getFileName() == null ? "" : file.getFileName().toString();
    checkName(name);
    MessageDigest digest = newDigest();
    long size = 0;
    byte[] buf = new byte[64 * 1024];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        digest.update(buf, 0, n);
        size += n;
      }
    }
    return new Artifact(name, size, HexFormat.of().formatHex(digest.digest()));
  }

  /**
   * Checks an artifact name.
   *
   * @throws IllegalArgumentException saying what is wrong with it
   */
  static String checkName(String name) {
    if (name.isEmpty() || name.length() > MAX_NAME || !name.matches("[A-Za-z0-9._+-]+")
        || name.equals(".") || name.equals("..")) {
      throw new IllegalArgumentException("artifact name \"" + printable(name) + "\" is not 1 to "
          + MAX_NAME + " of A-Z a-z 0-9 . _ + - (and not \".\" or \"..\")");
    }
    return name;
  }

  /** A name as a message may quote it: at most 80 characters, control characters escaped. */
  private static String printable(String s) {
    String cut = s.length() > 80 ? s.substring(0, 80) + "…" : s;
    StringBuilder sb = new StringBuilder();
    cut.codePoints().forEach(c -> {
      if (c < 0x20 || c == 0x7f) {
        sb.append(String.format("\\x%02x", c));
      } else {
        sb.appendCodePoint(c);
      }
    });
    return sb.toString();
  }

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The manifest line of this artifact, without its newline. */
  String line() {
    return "artifact " + name + " " + size + " sha256:" + sha256;
  }
}
