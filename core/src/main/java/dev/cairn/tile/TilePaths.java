package dev.cairn.tile;

/**
 * Formats and strictly parses tile paths (C2SP tlog-tiles):
 *
 * <pre>
 *   tile/&lt;L&gt;/&lt;N&gt;[.p/&lt;W&gt;]
 *   tile/entries/&lt;N&gt;[.p/&lt;W&gt;]
 * </pre>
 *
 * <p>{@code L} is a decimal 0 to 63 without leading zeros. {@code N} is written in 3-digit
 * zero-padded groups, every group but the last prefixed with {@code x} (1234067 is {@code
 * x001/x234/067}), with no leading all-zero group. {@code W} is a decimal 1 to 255 without leading
 * zeros, present only for partial tiles. Anything else is rejected.
 */
public final class TilePaths {
  private static final String TILE = "tile/";
  private static final String ENTRIES = "entries/";
  private static final String PARTIAL = ".p/";
  /** 7 groups hold every long; more would overflow. */
  private static final int MAX_GROUPS = 7;

  private TilePaths() {}

  static void checkIndexAndWidth(long index, int width) {
    if (index < 0) {
      throw new IllegalArgumentException("tile index must not be negative, got " + index);
    }
    if (width < 1 || width > TilePath.FULL_WIDTH) {
      throw new IllegalArgumentException("tile width must be 1 to 256, got " + width);
    }
  }

  static String format(HashTile t) {
    return TILE + t.level() + '/' + formatIndex(t.index()) + formatWidth(t.width());
  }

  static String format(EntryBundle b) {
    return TILE + ENTRIES + formatIndex(b.index()) + formatWidth(b.width());
  }

  /** The 3-digit-group form of a tile index, e.g. {@code x001/x234/067}. */
  public static String formatIndex(long index) {
    String digits = Long.toString(index);
    int pad = (3 - digits.length() % 3) % 3;
    String padded = "0".repeat(pad) + digits;
    StringBuilder sb = new StringBuilder(padded.length() + padded.length() / 3 * 2);
    for (int i = 0; i < padded.length(); i += 3) {
      if (i + 3 < padded.length()) {
        sb.append('x').append(padded, i, i + 3).append('/');
      } else {
        sb.append(padded, i, i + 3);
      }
    }
    return sb.toString();
  }

  private static String formatWidth(int width) {
    return width == TilePath.FULL_WIDTH ? "" : PARTIAL + width;
  }

  static TilePath parse(String path) {
    if (!path.startsWith(TILE)) {
      throw new IllegalArgumentException("tile path must start with \"tile/\": " + quote(path));
    }
    String rest = path.substring(TILE.length());
    boolean entries = rest.startsWith(ENTRIES);
    int level = -1;
    if (entries) {
      rest = rest.substring(ENTRIES.length());
    } else {
      int slash = rest.indexOf('/');
      if (slash < 0) {
        throw new IllegalArgumentException("tile path has no index: " + quote(path));
      }
      level = parseSmallDecimal(rest.substring(0, slash), 0, HashTile.MAX_LEVEL, "level", path);
      rest = rest.substring(slash + 1);
    }
    int width = TilePath.FULL_WIDTH;
    int partial = rest.indexOf(PARTIAL);
    if (partial >= 0) {
      width = parseSmallDecimal(rest.substring(partial + PARTIAL.length()), 1, 255, "width", path);
      rest = rest.substring(0, partial);
    }
    long index = parseIndex(rest, path);
    return entries ? new EntryBundle(index, width) : new HashTile(level, index, width);
  }

  private static long parseIndex(String s, String path) {
    String[] groups = s.split("/", -1);
    if (groups.length > MAX_GROUPS) {
      throw new IllegalArgumentException("tile index has too many groups: " + quote(path));
    }
    long index = 0;
    for (int i = 0; i < groups.length; i++) {
      String g = groups[i];
      boolean last = i == groups.length - 1;
      if (!last) {
        if (!g.startsWith("x")) {
          throw new IllegalArgumentException(
              "tile index group " + quote(g) + " must start with x: " + quote(path));
        }
        g = g.substring(1);
      }
      if (g.length() != 3 || !isDigits(g)) {
        throw new IllegalArgumentException(
            "tile index group " + quote(groups[i]) + " must be 3 digits: " + quote(path));
      }
      int value = Integer.parseInt(g);
      if (i == 0 && value == 0 && groups.length > 1) {
        throw new IllegalArgumentException("tile index has a leading zero group: " + quote(path));
      }
      if (index > (Long.MAX_VALUE - value) / 1000) {
        throw new IllegalArgumentException("tile index is too large: " + quote(path));
      }
      index = index * 1000 + value;
    }
    return index;
  }

  private static int parseSmallDecimal(String s, int min, int max, String what, String path) {
    if (s.isEmpty() || s.length() > 3 || !isDigits(s) || (s.length() > 1 && s.charAt(0) == '0')) {
      throw new IllegalArgumentException(
          "tile " + what + " " + quote(s) + " is not a canonical decimal: " + quote(path));
    }
    int v = Integer.parseInt(s);
    if (v < min || v > max) {
      throw new IllegalArgumentException(
          "tile " + what + " must be " + min + " to " + max + ", got " + v + ": " + quote(path));
    }
    return v;
  }

  private static boolean isDigits(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  private static String quote(String s) {
    String shown = s.length() > 80 ? s.substring(0, 80) + "..." : s;
    StringBuilder sb = new StringBuilder("\"");
    for (char c : shown.toCharArray()) {
      sb.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
    }
    return sb.append('"').toString();
  }
}
