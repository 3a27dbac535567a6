/**
 * C2SP tlog-tiles: tile and entry-bundle coordinates and their paths, which tiles a tree size
 * needs, the entry-bundle encoding, building tiles as leaves are appended, and reading any stored
 * hash back out of tiles.
 *
 * <p>Path arithmetic lives alone in {@link dev.cairn.tile.TilePaths}; nothing here does I/O except
 * through the {@link dev.cairn.tile.TileReader} a caller supplies.
 */
package dev.cairn.tile;
