package dev.cairn.witnessing;

import dev.cairn.merkle.Hash;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;

/**
 * A tlog-witness {@code add-checkpoint} request body:
 *
 * <pre>
 *   old &lt;size&gt;\n
 *   &lt;base64 hash&gt;\n      (0 to 63 consistency proof lines)
 *   \n
 *   &lt;signed checkpoint note&gt;
 * </pre>
 *
 * <p>Parsing checks only the framing; the witness checks the note, the sizes and the proof.
 *
 * @param oldSize the size the sender believes the witness last cosigned (0 if never)
 * @param proof the consistency proof from {@code oldSize} to the checkpoint's size
 * @param note the signed checkpoint note
 */
public record AddCheckpoint(long oldSize, List<Hash> proof, byte[] note) {
  /** The largest body a witness reads. */
  public static final int MAX_BODY = 128 * 1024;
  /** The most proof lines a request may carry. */
  public static final int MAX_PROOF = 63;
  /** The media type of a 409 answer: the size the witness last cosigned. */
  public static final String SIZE_MEDIA_TYPE = "text/x.tlog.size";

  /** Checks and copies. */
  public AddCheckpoint {
    if (oldSize < 0) {
      throw new IllegalArgumentException("old size must not be negative, got " + oldSize);
    }
    if (proof.size() > MAX_PROOF) {
      throw new IllegalArgumentException("at most " + MAX_PROOF + " proof lines, got "
          + proof.size());
    }
    proof = List.copyOf(proof);
    note = note.clone();
  }

  @Override
  public byte[] note() {
    return note.clone();
  }

  /**
   * Parses a request body.
   *
   * @throws IllegalArgumentException saying in one line what is malformed
   */
  public static AddCheckpoint parse(byte[] body) {
    if (body.length > MAX_BODY) {
      throw new IllegalArgumentException("the body is larger than " + MAX_BODY + " bytes");
    }
    int pos = 0;
    int end = lineEnd(body, pos, "the old size line");
    String first = ascii(body, pos, end);
    if (!first.startsWith("old ")) {
      throw new IllegalArgumentException("the body must start with \"old <size>\"");
    }
    long oldSize = parseSize(first.substring(4), "old size");
    pos = end + 1;
    List<Hash> proof = new ArrayList<>();
    while (true) {
      end = lineEnd(body, pos, "the blank line before the checkpoint");
      if (end == pos) {
        pos = end + 1;
        break;
      }
      if (proof.size() == MAX_PROOF) {
        throw new IllegalArgumentException("more than " + MAX_PROOF + " proof lines");
      }
      String line = ascii(body, pos, end);
      try {
        proof.add(Hash.fromBase64(line));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("proof line " + (proof.size() + 1)
            + " is not a base64 SHA-256 hash");
      }
      pos = end + 1;
    }
    if (pos == body.length) {
      throw new IllegalArgumentException("the checkpoint after the blank line is missing");
    }
    return new AddCheckpoint(oldSize, proof, Arrays.copyOfRange(body, pos, body.length));
  }

  /** The request body. */
  public byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(note.length + 64 + 45 * proof.size());
    out.writeBytes(("old " + oldSize + "\n").getBytes(StandardCharsets.US_ASCII));
    for (Hash h : proof) {
      out.writeBytes((h.toBase64() + "\n").getBytes(StandardCharsets.US_ASCII));
    }
    out.write('\n');
    out.writeBytes(note);
    return out.toByteArray();
  }

  /** The body of a 409 answer: the size the witness last cosigned, and a newline. */
  public static byte[] sizeBody(long size) {
    return (size + "\n").getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Reads the body of a 409 answer: a decimal size and a newline. Empty if it is not one (a
   * legacy witness answers 409 with an empty body).
   */
  public static OptionalLong parseSizeBody(byte[] body) {
    if (body.length < 2 || body.length > 21 || body[body.length - 1] != '\n') {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(parseSize(ascii(body, 0, body.length - 1), "size"));
    } catch (IllegalArgumentException e) {
      return OptionalLong.empty();
    }
  }

  private static int lineEnd(byte[] body, int from, String what) {
    for (int i = from; i < body.length; i++) {
      if (body[i] == '\n') {
        return i;
      }
    }
    throw new IllegalArgumentException("the body ends before " + what);
  }

  private static String ascii(byte[] body, int from, int to) {
    for (int i = from; i < to; i++) {
      if (body[i] < 0x20 || body[i] > 0x7e) {
        throw new IllegalArgumentException(String.format(
            "byte 0x%02x at offset %d where only printable ASCII is allowed", body[i] & 0xff, i));
      }
    }
    return new String(body, from, to - from, StandardCharsets.US_ASCII);
  }

  private static long parseSize(String s, String what) {
    if (!s.matches("0|[1-9][0-9]{0,18}")) {
      throw new IllegalArgumentException(what + " must be a decimal number without leading"
          + " zeros, got \"" + (s.length() > 24 ? s.substring(0, 24) + "…" : s) + "\"");
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + " is too large: " + s);
    }
  }
}
