package dev.cairn.proof;

import dev.cairn.merkle.Hash;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * A transparency log proof (C2SP tlog-proof):
 *
 * <pre>
 *   c2sp.org/tlog-proof@v1
 *   [extra &lt;base64 opaque data&gt;]
 *   index &lt;decimal, no leading zeros&gt;
 *   &lt;base64 hash&gt;          (zero or more: the inclusion proof, leaf's sibling first)
 *
 *   &lt;signed checkpoint note, verbatim&gt;
 * </pre>
 *
 * <p>Parsing is strict: UTF-8, canonical numbers and base64, at most 63 proof lines. The extra
 * data is not authenticated; nothing here checks the proof, see {@link dev.cairn.verify}.
 */
public final class TlogProof {
  /** The header line. */
  public static final String HEADER = "c2sp.org/tlog-proof@v1";

  /** The largest proof accepted, in bytes. */
  public static final int MAX_SIZE = 300 * 1024;

  private static final int MAX_PROOF_HASHES = 63;

  private final byte[] extra;
  private final long index;
  private final List<Hash> inclusion;
  private final byte[] checkpoint;

  /**
   * A proof.
   *
   * @param extra opaque extra data, or null for none
   * @param index the entry's index
   * @param inclusion the inclusion proof
   * @param checkpoint the signed checkpoint note, verbatim
   */
  public TlogProof(byte[] extra, long index, List<Hash> inclusion, byte[] checkpoint) {
    if (index < 0) {
      throw new IllegalArgumentException("negative index " + index);
    }
    if (inclusion.size() > MAX_PROOF_HASHES) {
      throw new IllegalArgumentException("inclusion proof longer than 63 hashes");
    }
    if (extra != null && extra.length == 0) {
      throw new IllegalArgumentException("extra data must not be empty; leave it out instead");
    }
    this.extra = extra == null ? null : extra.clone();
    this.index = index;
    this.inclusion = List.copyOf(inclusion);
    this.checkpoint = checkpoint.clone();
  }

  /**
   * Parses a proof.
   *
   * @throws IllegalArgumentException naming the line that is wrong
   */
  public static TlogProof parse(byte[] data) {
    if (data.length > MAX_SIZE) {
      throw new IllegalArgumentException("proof is larger than " + MAX_SIZE + " bytes");
    }
    String s;
    try {
      s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(data)).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("proof is not valid UTF-8");
    }
    int pos = 0;
    int lineNo = 0;
    byte[] extra = null;
    long index = -1;
    List<Hash> hashes = new ArrayList<>();
    while (true) {
      int nl = s.indexOf('\n', pos);
      if (nl < 0) {
        throw new IllegalArgumentException(
            "proof ends before the blank line that precedes the checkpoint");
      }
      String line = s.substring(pos, nl);
      pos = nl + 1;
      lineNo++;
      if (lineNo == 1) {
        if (!line.equals(HEADER)) {
          throw new IllegalArgumentException("proof must start with the line " + HEADER);
        }
      } else if (lineNo == 2 && line.startsWith("extra ")) {
        extra = decodeExtra(line.substring("extra ".length()));
      } else if (index < 0) {
        if (!line.startsWith("index ")) {
          throw new IllegalArgumentException("line " + lineNo + " must be \"index <n>\"");
        }
        index = parseIndex(line.substring("index ".length()));
      } else if (line.isEmpty()) {
        break;
      } else {
        if (hashes.size() == MAX_PROOF_HASHES) {
          throw new IllegalArgumentException("inclusion proof longer than 63 hashes");
        }
        try {
          hashes.add(Hash.fromBase64(line));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("line " + lineNo + ": " + e.getMessage());
        }
      }
    }
    byte[] checkpoint = s.substring(pos).getBytes(StandardCharsets.UTF_8);
    if (checkpoint.length == 0) {
      throw new IllegalArgumentException("proof has no checkpoint");
    }
    return new TlogProof(extra, index, hashes, checkpoint);
  }

  private static byte[] decodeExtra(String b64) {
    byte[] b;
    try {
      b = Base64.getDecoder().decode(b64);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("extra data is not valid base64");
    }
    if (b.length == 0 || !Base64.getEncoder().encodeToString(b).equals(b64)) {
      throw new IllegalArgumentException("extra data is not canonical, non-empty base64");
    }
    return b;
  }

  private static long parseIndex(String s) {
    if (s.isEmpty() || s.length() > 19 || !s.chars().allMatch(c -> c >= '0' && c <= '9')
        || (s.length() > 1 && s.charAt(0) == '0')) {
      throw new IllegalArgumentException("index is not a canonical decimal");
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("index is too large");
    }
  }

  /** The encoded proof. */
  public byte[] encode() {
    StringBuilder sb = new StringBuilder(HEADER).append('\n');
    if (extra != null) {
      sb.append("extra ").append(Base64.getEncoder().encodeToString(extra)).append('\n');
    }
    sb.append("index ").append(index).append('\n');
    for (Hash h : inclusion) {
      sb.append(h.toBase64()).append('\n');
    }
    sb.append('\n');
    byte[] head = sb.toString().getBytes(StandardCharsets.UTF_8);
    byte[] out = Arrays.copyOf(head, head.length + checkpoint.length);
    System.arraycopy(checkpoint, 0, out, head.length, checkpoint.length);
    return out;
  }

  /** The unauthenticated extra data, if any. */
  public Optional<byte[]> extra() {
    return Optional.ofNullable(extra).map(byte[]::clone);
  }

  /** The entry's index. */
  public long index() {
    return index;
  }

  /** The inclusion proof, leaf's sibling first. */
  public List<Hash> inclusion() {
    return inclusion;
  }

  /** The signed checkpoint note. */
  public byte[] checkpoint() {
    return checkpoint.clone();
  }
}
