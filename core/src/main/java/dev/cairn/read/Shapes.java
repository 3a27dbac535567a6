package dev.cairn.read;

import dev.cairn.merkle.Hash;
import dev.cairn.note.SignedNote;
import dev.cairn.tile.Bundles;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TilePath;
import java.util.Arrays;

/**
 * The shapes tlog-tiles gives the objects a {@link LogReader} returns, checked here for every
 * reader:
 *
 * <ul>
 *   <li>a full tile {@code tile/<L>/<N>} is exactly 8,192 bytes;
 *   <li>a partial tile {@code tile/<L>/<N>.p/<W>} is a whole number of hashes, at least W of
 *       them and at most 256;
 *   <li>a full bundle {@code tile/entries/<N>} holds exactly 256 uint16-length-prefixed entries
 *       and nothing after them;
 *   <li>a partial bundle {@code tile/entries/<N>.p/<W>} holds at least W entries;
 *   <li>no object is larger than the largest valid one ({@link #cap}), so a reader can refuse to
 *       read further.
 * </ul>
 *
 * <p>A reader that has only a wider version of the tile or bundle asked for cuts it to the width
 * asked: hashes and entries never change once written. Every {@link LogReader} applies these
 * rules through this class, so all of them refuse the same objects with the same messages.
 */
public final class Shapes {
  /** The bytes of a full hash tile. */
  public static final int FULL_TILE_BYTES = TilePath.FULL_WIDTH * Hash.SIZE;
  /** The bytes of a full bundle of entries of the largest size. */
  public static final int MAX_BUNDLE_BYTES = TilePath.FULL_WIDTH * (2 + Bundles.MAX_ENTRY_SIZE);
  /** The largest checkpoint note a reader accepts: the largest signed note. */
  public static final int MAX_CHECKPOINT_BYTES = SignedNote.MAX_SIZE;

  private Shapes() {}

  /** The largest valid object at {@code path}. */
  public static int cap(TilePath path) {
    return path instanceof HashTile ? FULL_TILE_BYTES : MAX_BUNDLE_BYTES;
  }

  /**
   * What a reader found for a tile or bundle asked for: the version stored ({@code tile}, the one
   * asked or a wider one of it), its bytes, and where they were read, for messages.
   */
  public record Stored(TilePath tile, byte[] data, String where) {}

  /** The {@code asked.width()} hashes of {@code asked}, out of what was found for it. */
  public static byte[] tile(HashTile asked, Stored found) throws MalformedObjectException {
    return tile(asked, (HashTile) found.tile(), found.data(), found.where());
  }

  /** The encoded {@code asked.width()} entries of {@code asked}, out of what was found for it. */
  public static byte[] bundle(EntryBundle asked, Stored found) throws MalformedObjectException {
    return bundle(asked, (EntryBundle) found.tile(), found.data(), found.where());
  }

  /**
   * The {@code asked.width()} hashes of {@code asked}, out of {@code data} read as {@code stored}
   * (the same tile at the same or a greater width) from {@code where}.
   */
  public static byte[] tile(HashTile asked, HashTile stored, byte[] data, String where)
      throws MalformedObjectException {
    int n = data.length;
    if (!stored.isPartial()) {
      if (n != FULL_TILE_BYTES) {
        throw new MalformedObjectException(where + " has " + n + " bytes, but a full tile has "
            + FULL_TILE_BYTES);
      }
    } else if (n % Hash.SIZE != 0 || n < stored.width() * Hash.SIZE || n > FULL_TILE_BYTES) {
      throw new MalformedObjectException(where + " has " + n + " bytes, but a tile of width "
          + stored.width() + " has " + stored.width() * Hash.SIZE);
    }
    int want = asked.width() * Hash.SIZE;
    return n == want ? data : Arrays.copyOf(data, want);
  }

  /**
   * The encoded {@code asked.width()} entries of {@code asked}, out of {@code data} read as
   * {@code stored} (the same bundle at the same or a greater width) from {@code where}.
   */
  public static byte[] bundle(EntryBundle asked, EntryBundle stored, byte[] data, String where)
      throws MalformedObjectException {
    int end = 0;
    int cut = -1;
    for (int i = 0; i < stored.width(); i++) {
      if (i == asked.width()) {
        cut = end;
      }
      if (data.length - end < 2) {
        throw new MalformedObjectException(where + " is truncated: it ends (" + data.length
            + " bytes) before entry " + (stored.firstEntry() + i) + " (position " + i + ")");
      }
      int len = (data[end] & 0xff) << 8 | (data[end + 1] & 0xff);
      if (data.length - end - 2 < len) {
        throw new MalformedObjectException(where + " is truncated: entry "
            + (stored.firstEntry() + i) + " (position " + i + ") has " + len
            + " bytes but only " + (data.length - end - 2) + " remain");
      }
      end += 2 + len;
    }
    if (!stored.isPartial() && end != data.length) {
      throw new MalformedObjectException(where + " has " + (data.length - end)
          + " bytes after its " + TilePath.FULL_WIDTH + " entries");
    }
    int want = cut < 0 ? end : cut;
    return want == data.length ? data : Arrays.copyOf(data, want);
  }
}
