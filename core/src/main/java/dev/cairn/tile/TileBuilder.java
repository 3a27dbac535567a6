package dev.cairn.tile;

import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import dev.cairn.merkle.RightEdge;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds hash tiles as leaf hashes are appended: the sequencer's tree state. It holds the tree's
 * right edge and, per tile level, the hashes of the current partial tile — at most 8 tiles of
 * 8 KiB, whatever the log's size.
 *
 * <p>Each append may complete full tiles, which go to a {@link Sink} at once; {@link
 * #partialTiles(long)} gives the partial tiles of the current size. Not thread-safe.
 */
public final class TileBuilder {
  /** Receives a tile's bytes; the array is the sink's to keep. */
  @FunctionalInterface
  public interface Sink {
    /** Called once for each tile that became full. */
    void tile(HashTile tile, byte[] data);
  }

  /** A tile and its bytes. */
  public record TileData(HashTile tile, byte[] data) {}

  private static final int TILE_BYTES = TilePath.FULL_WIDTH * Hash.SIZE;
  private static final int MAX_TILE_LEVELS = 8;

  private final RightEdge edge;
  private final byte[][] partial = new byte[MAX_TILE_LEVELS][];
  private Sink sink;
  private final RightEdge.NodeSink nodeSink = this::onNode;

  private TileBuilder(RightEdge edge) {
    this.edge = edge;
  }

  /** A builder for an empty tree. */
  public static TileBuilder empty() {
    return new TileBuilder(new RightEdge(new Hasher()));
  }

  /**
   * A builder that continues a tree of {@code size} leaves whose tiles {@code reader} serves:
   * reads one partial tile per level and the right edge, so the cost does not grow with the tree.
   */
  public static TileBuilder restore(long size, TileReader reader) throws IOException {
    TileBuilder b = new TileBuilder(RightEdge.restore(size, new TileHashReader(size, reader)));
    for (int level = 0; level < MAX_TILE_LEVELS; level++) {
      long c = TileLayout.hashesAtLevel(level, size);
      int width = (int) (c & 0xff);
      if (width != 0) {
        HashTile tile = new HashTile(level, c >>> 8, width);
        byte[] data = reader.readTile(tile);
        if (data.length < width * Hash.SIZE) {
          throw new IOException(
              "tile " + tile.path() + " has " + data.length + " bytes, expected "
                  + width * Hash.SIZE);
        }
        b.partial[level] = new byte[TILE_BYTES];
        System.arraycopy(data, 0, b.partial[level], 0, width * Hash.SIZE);
      }
    }
    return b;
  }

  /** The number of leaves. */
  public long size() {
    return edge.size();
  }

  /** The root of the current tree. */
  public Hash root() {
    return edge.root();
  }

  /** A copy of the right edge. */
  public RightEdge rightEdge() {
    return edge.copy();
  }

  /**
   * Appends the 32-byte leaf hash at {@code leafHash[offset]}, passing every tile it completes to
   * {@code fullTiles}.
   */
  public void append(byte[] leafHash, int offset, Sink fullTiles) {
    this.sink = fullTiles;
    try {
      edge.append(leafHash, offset, nodeSink);
    } finally {
      this.sink = null;
    }
  }

  private void onNode(int level, long index, byte[] hash, int offset) {
    if ((level & 7) != 0) {
      return;
    }
    int tileLevel = level >>> 3;
    byte[] buf = partial[tileLevel];
    if (buf == null) {
      buf = partial[tileLevel] = new byte[TILE_BYTES];
    }
    int pos = (int) (index & 0xff);
    System.arraycopy(hash, offset, buf, pos * Hash.SIZE, Hash.SIZE);
    if (pos == 0xff) {
      sink.tile(HashTile.full(tileLevel, index >>> 8), buf.clone());
    }
  }

  /**
   * The partial tiles of the current size at every level whose hash count changed since the tree
   * had {@code sinceSize} leaves (pass 0 for all of them).
   */
  public List<TileData> partialTiles(long sinceSize) {
    long size = edge.size();
    List<TileData> out = new ArrayList<>();
    for (int level = 0; level < MAX_TILE_LEVELS; level++) {
      long c = TileLayout.hashesAtLevel(level, size);
      if (c == 0) {
        break;
      }
      int width = (int) (c & 0xff);
      if (width != 0 && c != TileLayout.hashesAtLevel(level, sinceSize)) {
        out.add(new TileData(
            new HashTile(level, c >>> 8, width),
            Arrays.copyOf(partial[level], width * Hash.SIZE)));
      }
    }
    return out;
  }
}
