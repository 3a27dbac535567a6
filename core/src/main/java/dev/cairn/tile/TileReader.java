package dev.cairn.tile;

import java.io.IOException;

/** Fetches hash tiles: from a local directory, an object store, or a log over HTTP. */
@FunctionalInterface
public interface TileReader {
  /**
   * Returns the bytes of {@code tile}: its {@code width * 32} bytes, or more if the reader only
   * has a wider version of the same tile (hashes in a tile never change, so a prefix of the wider
   * tile is the narrower one).
   *
   * @throws IOException if the tile cannot be read; {@link java.io.FileNotFoundException} or
   *     {@link java.nio.file.NoSuchFileException} if it does not exist
   */
  byte[] readTile(HashTile tile) throws IOException;
}
