package dev.cairn.bench;

import dev.cairn.merkle.Hash;
import dev.cairn.merkle.HashReader;
import dev.cairn.merkle.Hasher;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TileBuilder;
import dev.cairn.tile.TileLayout;
import dev.cairn.tile.TileReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A prebuilt log held in memory: every hash tile of a tree of {@link #size} leaves, indexed by
 * level and tile number so reading one costs an array lookup and the benchmarks measure the tree
 * math, not a map of paths. Built with {@link TileBuilder}; entry {@code i} is the 8-byte
 * big-endian encoding of {@code i}.
 */
final class MemoryLog implements TileReader {
  /** The log size of the tree benchmarks. */
  static final int MILLION = 1_000_000;

  final long size;
  final Hash root;
  private final byte[][][] tiles;

  private MemoryLog(long size, Hash root, byte[][][] tiles) {
    this.size = size;
    this.root = root;
    this.tiles = tiles;
  }

  static MemoryLog build(int size) {
    int levels = 0;
    while (TileLayout.hashesAtLevel(levels, size) > 0) {
      levels++;
    }
    byte[][][] tiles = new byte[levels][][];
    for (int l = 0; l < levels; l++) {
      tiles[l] = new byte[(int) ((TileLayout.hashesAtLevel(l, size) + 255) >>> 8)][];
    }
    Hasher hasher = new Hasher();
    TileBuilder builder = TileBuilder.empty();
    byte[] entry = new byte[8];
    byte[] leaf = new byte[32];
    for (int i = 0; i < size; i++) {
      ByteBuffer.wrap(entry).putLong(i);
      hasher.leafInto(entry, 0, 8, leaf, 0);
      builder.append(leaf, 0, (t, data) -> tiles[t.level()][(int) t.index()] = data);
    }
    for (TileBuilder.TileData t : builder.partialTiles(0)) {
      tiles[t.tile().level()][(int) t.tile().index()] = t.data();
    }
    return new MemoryLog(size, builder.root(), tiles);
  }

  /** The leaf hash at {@code index}. */
  Hash leafHash(long index) {
    return Hash.copyOf(tiles[0][(int) (index >>> 8)], (int) (index & 0xff) * 32);
  }

  @Override
  public byte[] readTile(HashTile tile) throws IOException {
    byte[][] level = tile.level() < tiles.length ? tiles[tile.level()] : new byte[0][];
    byte[] data = tile.index() < level.length ? level[(int) tile.index()] : null;
    if (data == null || data.length < tile.width() * 32) {
      throw new FileNotFoundException(tile.path());
    }
    return data;
  }

  /**
   * Wraps a reader and counts the SHA-256 work behind its reads, to size baselines: a {@link
   * dev.cairn.tile.TileHashReader} rebuilds a hash at tree level {@code l} from {@code 2^(l % 8)}
   * hashes of one tile, with {@code 2^(l % 8) - 1} node hashes.
   */
  static final class CountingReader implements HashReader {
    private final HashReader reader;
    long reads;
    long rebuildHashes;

    CountingReader(HashReader reader) {
      this.reader = reader;
    }

    @Override
    public Hash read(int level, long index) throws IOException {
      reads++;
      rebuildHashes += (1L << (level % 8)) - 1;
      return reader.read(level, index);
    }

    /**
     * The node hashes done so far by a proof or tree hash of {@code ranges} ranges over this
     * reader: the rebuilds, plus folding each range's {@code k} perfect subtrees with {@code k - 1}
     * hashes.
     */
    long nodeHashes(long ranges) {
      return rebuildHashes + reads - ranges;
    }
  }
}
