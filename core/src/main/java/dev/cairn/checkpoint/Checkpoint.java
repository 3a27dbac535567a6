package dev.cairn.checkpoint;

import dev.cairn.merkle.Hash;
import java.util.ArrayList;
import java.util.List;

/**
 * The body of a checkpoint (C2SP tlog-checkpoint): newline-terminated lines
 *
 * <pre>
 *   &lt;origin&gt;
 *   &lt;tree size in decimal, no leading zeros&gt;
 *   &lt;base64 root hash&gt;
 *   [&lt;extension line&gt;...]
 * </pre>
 *
 * <p>The origin and extension lines must be non-empty; the size fits a signed 64-bit integer.
 *
 * @param origin the log's identity, non-empty
 * @param size the number of leaves
 * @param root the Merkle tree hash of those leaves
 * @param extensions opaque non-empty extension lines (usually none)
 */
public record Checkpoint(String origin, long size, Hash root, List<String> extensions) {
  /** At most this many extension lines are accepted. */
  public static final int MAX_EXTENSIONS = 16;

  /** Checks the fields. */
  public Checkpoint {
    checkLine(origin, "origin");
    if (size < 0) {
      throw new IllegalArgumentException("checkpoint size must not be negative, got " + size);
    }
    if (root == null) {
      throw new IllegalArgumentException("checkpoint needs a root hash");
    }
    extensions = List.copyOf(extensions);
    if (extensions.size() > MAX_EXTENSIONS) {
      throw new IllegalArgumentException(
          "checkpoint has " + extensions.size() + " extension lines, at most " + MAX_EXTENSIONS
              + " allowed");
    }
    for (String e : extensions) {
      checkLine(e, "extension line");
    }
  }

  /** A checkpoint without extension lines. */
  public Checkpoint(String origin, long size, Hash root) {
    this(origin, size, root, List.of());
  }

  /**
   * Parses a checkpoint body (the text of a checkpoint note, including its final newline).
   *
   * @throws IllegalArgumentException naming the line that is wrong
   */
  public static Checkpoint parse(String text) {
    if (!text.endsWith("\n")) {
      throw new IllegalArgumentException("checkpoint text must end with a newline");
    }
    List<String> lines = new ArrayList<>();
    int start = 0;
    while (start < text.length()) {
      int nl = text.indexOf('\n', start);
      lines.add(text.substring(start, nl));
      start = nl + 1;
      if (lines.size() > 3 + MAX_EXTENSIONS) {
        throw new IllegalArgumentException(
            "checkpoint has more than " + MAX_EXTENSIONS + " extension lines");
      }
    }
    if (lines.size() < 3) {
      throw new IllegalArgumentException(
          "checkpoint needs origin, size and root lines, got " + lines.size() + " lines");
    }
    long size = parseSize(lines.get(1));
    Hash root;
    try {
      root = Hash.fromBase64(lines.get(2));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("checkpoint root: " + e.getMessage());
    }
    return new Checkpoint(lines.get(0), size, root, lines.subList(3, lines.size()));
  }

  private static long parseSize(String s) {
    boolean canonical = !s.isEmpty() && s.length() <= 19 && s.chars().allMatch(c -> c >= '0' && c <= '9')
        && (s.length() == 1 || s.charAt(0) != '0');
    if (!canonical) {
      throw new IllegalArgumentException(
          "checkpoint size \"" + abbreviate(s) + "\" is not a canonical decimal");
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("checkpoint size " + s + " is too large");
    }
  }

  private static void checkLine(String line, String what) {
    if (line == null || line.isEmpty()) {
      throw new IllegalArgumentException("checkpoint " + what + " must not be empty");
    }
    for (int i = 0; i < line.length(); i++) {
      if (line.charAt(i) < 0x20) {
        throw new IllegalArgumentException(
            "checkpoint " + what + " contains a control character");
      }
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 32 ? s.substring(0, 32) + "..." : s;
  }

  /** The note text: the lines, each ending in a newline. */
  public String format() {
    StringBuilder sb = new StringBuilder(origin.length() + 80);
    sb.append(origin).append('\n').append(size).append('\n').append(root.toBase64()).append('\n');
    for (String e : extensions) {
      sb.append(e).append('\n');
    }
    return sb.toString();
  }
}
