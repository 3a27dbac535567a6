package dev.cairn.log.storage;

import dev.cairn.read.LogReader;
import dev.cairn.tile.Bundles;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TileLayout;
import dev.cairn.tile.TilePath;
import java.io.IOException;
import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * The tiles of a tree whose size is known (the latest checkpoint's, the integrated tree's), at
 * any width within it. The object store keeps a partial tile only at the widths that checkpoints
 * (or integrations) needed; a tile at another width — {@code tile/0/005.p/37} asked of a log
 * whose checkpoint has 40 hashes there, or a consistency proof to a size no checkpoint had — is
 * read at its width in the tree and cut: hashes in a tile never change.
 */
public final class TreeTiles implements LogReader {
  private final LogReader stored;
  private final LongSupplier published;

  /** The tiles {@code stored} holds, within the tree size {@code published} gives. */
  public TreeTiles(LogReader stored, LongSupplier published) {
    this.stored = stored;
    this.published = published;
  }

  @Override
  public String describe() {
    return stored.describe();
  }

  @Override
  public byte[] checkpoint() throws IOException {
    return stored.checkpoint();
  }

  @Override
  public byte[] readTile(HashTile tile) throws IOException {
    long hashes = TileLayout.hashesAtLevel(tile.level(), published.getAsLong());
    int width = (int) Math.min(TilePath.FULL_WIDTH,
        Math.max(tile.width(), hashes - tile.index() * TilePath.FULL_WIDTH));
    byte[] data = stored.readTile(width == tile.width() ? tile : tile.withWidth(width));
    return width == tile.width() ? data : Arrays.copyOf(data, tile.width() * 32);
  }

  @Override
  public byte[] readBundle(EntryBundle bundle) throws IOException {
    long size = published.getAsLong();
    int width = (int) Math.min(TilePath.FULL_WIDTH,
        Math.max(bundle.width(), size - bundle.index() * TilePath.FULL_WIDTH));
    byte[] data = stored.readBundle(width == bundle.width() ? bundle : bundle.withWidth(width));
    return width == bundle.width() ? data
        : Arrays.copyOf(data, Bundles.prefixLength(data, bundle.width()));
  }
}
