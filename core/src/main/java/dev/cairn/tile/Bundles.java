package dev.cairn.tile;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The entry-bundle encoding (C2SP tlog-tiles): each entry as a big-endian uint16 length followed
 * by that many bytes, concatenated. An entry is therefore at most 65,535 bytes. The same encoding
 * carries batches of submissions.
 */
public final class Bundles {
  /** The largest entry the encoding can carry. */
  public static final int MAX_ENTRY_SIZE = 0xffff;

  private Bundles() {}

  /** Encodes {@code entries}. */
  public static byte[] encode(List<byte[]> entries) {
    int total = 0;
    for (byte[] e : entries) {
      checkSize(e.length);
      total += 2 + e.length;
    }
    byte[] out = new byte[total];
    int pos = 0;
    for (byte[] e : entries) {
      out[pos] = (byte) (e.length >>> 8);
      out[pos + 1] = (byte) e.length;
      System.arraycopy(e, 0, out, pos + 2, e.length);
      pos += 2 + e.length;
    }
    return out;
  }

  /** Appends one encoded entry to {@code out}. */
  public static void append(ByteArrayOutputStream out, byte[] entry) {
    checkSize(entry.length);
    out.write(entry.length >>> 8);
    out.write(entry.length);
    out.write(entry, 0, entry.length);
  }

  /**
   * Decodes a bundle that must hold exactly {@code count} entries and nothing else.
   *
   * @throws IllegalArgumentException naming the entry where the data goes wrong
   */
  public static List<byte[]> decode(byte[] data, int count) {
    List<byte[]> out = decodeAtMost(data, count);
    if (out.size() != count) {
      throw new IllegalArgumentException(
          "bundle holds " + out.size() + " entries, expected " + count);
    }
    return out;
  }

  /**
   * Decodes a sequence of at most {@code max} entries that must use up all of {@code data}.
   *
   * @throws IllegalArgumentException naming the entry where the data goes wrong
   */
  public static List<byte[]> decodeAtMost(byte[] data, int max) {
    List<byte[]> out = new ArrayList<>();
    int pos = 0;
    while (pos < data.length) {
      if (out.size() == max) {
        throw new IllegalArgumentException("more than " + max + " entries");
      }
      if (data.length - pos < 2) {
        throw new IllegalArgumentException(
            "entry " + out.size() + " is cut off in its length prefix at byte " + pos);
      }
      int len = (data[pos] & 0xff) << 8 | (data[pos + 1] & 0xff);
      pos += 2;
      if (data.length - pos < len) {
        throw new IllegalArgumentException(
            "entry " + out.size() + " claims " + len + " bytes but only " + (data.length - pos)
                + " remain");
      }
      byte[] e = new byte[len];
      System.arraycopy(data, pos, e, 0, len);
      out.add(e);
      pos += len;
    }
    return out;
  }

  /**
   * The number of bytes the first {@code count} entries of an encoded sequence take, for cutting
   * a narrower bundle out of a wider one.
   *
   * @throws IllegalArgumentException if {@code data} holds fewer than {@code count} entries
   */
  public static int prefixLength(byte[] data, int count) {
    int pos = 0;
    for (int i = 0; i < count; i++) {
      if (data.length - pos < 2) {
        throw new IllegalArgumentException(
            "bundle holds " + i + " entries, expected at least " + count);
      }
      int len = (data[pos] & 0xff) << 8 | (data[pos + 1] & 0xff);
      if (data.length - pos - 2 < len) {
        throw new IllegalArgumentException(
            "entry " + i + " claims " + len + " bytes but only " + (data.length - pos - 2)
                + " remain");
      }
      pos += 2 + len;
    }
    return pos;
  }

  /** The first {@code count} entries of an encoded sequence that may hold more. */
  public static List<byte[]> decodePrefix(byte[] data, int count) {
    return decode(java.util.Arrays.copyOf(data, prefixLength(data, count)), count);
  }

  private static void checkSize(int len) {
    if (len > MAX_ENTRY_SIZE) {
      throw new IllegalArgumentException(
          "entry of " + len + " bytes is larger than " + MAX_ENTRY_SIZE + " bytes");
    }
  }
}
