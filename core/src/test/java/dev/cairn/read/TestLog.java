package dev.cairn.read;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.testing.NaiveTree;
import dev.cairn.tile.Bundles;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.HashTile;
import dev.cairn.tile.TileBuilder;
import dev.cairn.tile.TilePath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A static tlog-tiles log written into a directory, as a log's {@code tiles/} or any static
 * server holds one: entries {@link NaiveTree#entry}, every full tile and bundle, the partial tiles
 * and bundle of each size it was published at, and a signed checkpoint of the last size. Built
 * with {@link TileBuilder} and {@link Bundles}; {@link #naive()} is the reference to compare with.
 */
final class TestLog {
  static final SignerKey KEY = SignerKey.fromSeed("example.com/read-test", SignatureType.ED25519,
      new byte[32]);

  private final Path root;
  private final long[] sizes;
  private NaiveTree naive;

  private TestLog(Path root, long[] sizes) {
    this.root = root;
    this.sizes = sizes.clone();
  }

  /** Writes a log into {@code root} published at each of {@code sizes}, in increasing order. */
  static TestLog write(Path root, long... sizes) throws IOException {
    TestLog log = new TestLog(root, sizes);
    TileBuilder tree = TileBuilder.empty();
    Hasher hasher = new Hasher();
    List<byte[]> bundle = new ArrayList<>();
    long size = 0;
    for (long published : sizes) {
      for (; size < published; size++) {
        byte[] entry = NaiveTree.entry(size);
        bundle.add(entry);
        tree.append(hasher.leaf(entry).toByteArray(), 0, (tile, data) -> log.put(tile, data));
        if (bundle.size() == TilePath.FULL_WIDTH) {
          log.put(EntryBundle.full(size / TilePath.FULL_WIDTH), Bundles.encode(bundle));
          bundle.clear();
        }
      }
      for (TileBuilder.TileData t : tree.partialTiles(0)) {
        log.put(t.tile(), t.data());
      }
      if (!bundle.isEmpty()) {
        log.put(new EntryBundle(size / TilePath.FULL_WIDTH, bundle.size()),
            Bundles.encode(bundle));
      }
    }
    String text = new Checkpoint(KEY.name(), size, tree.root()).format();
    Files.write(root.resolve("checkpoint"),
        SignedNote.sign(text, List.of(KEY.signer())).encode());
    return log;
  }

  Path root() {
    return root;
  }

  /** The size of the last checkpoint. */
  long size() {
    return sizes[sizes.length - 1];
  }

  /** The sizes the log was published at. */
  long[] sizes() {
    return sizes.clone();
  }

  /** The reference tree of all the entries (built on first use). */
  NaiveTree naive() {
    if (naive == null) {
      naive = NaiveTree.ofSize(Math.toIntExact(size()));
    }
    return naive;
  }

  Hash root(long size) {
    return naive().root(Math.toIntExact(size));
  }

  Path file(TilePath p) {
    return root.resolve(p.path());
  }

  byte[] bytes(TilePath p) throws IOException {
    return Files.readAllBytes(file(p));
  }

  /** The encoding of entries {@code first} to {@code first + count - 1}. */
  static byte[] encoded(long first, int count) {
    List<byte[]> entries = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      entries.add(NaiveTree.entry(first + i));
    }
    return Bundles.encode(entries);
  }

  /** Flips the low bit of byte {@code offset} of {@code p}'s file. */
  void flip(TilePath p, int offset) throws IOException {
    byte[] data = bytes(p);
    data[offset] ^= 1;
    Files.write(file(p), data);
  }

  /** Replaces {@code p}'s file by {@code data}. */
  void replace(TilePath p, byte[] data) throws IOException {
    Files.write(file(p), data);
  }

  /** Replaces {@code p}'s file by its first {@code length} bytes, or pads it with zeros. */
  void resize(TilePath p, int length) throws IOException {
    replace(p, Arrays.copyOf(bytes(p), length));
  }

  void delete(TilePath p) throws IOException {
    Files.delete(file(p));
  }

  private void put(TilePath p, byte[] data) {
    try {
      Path f = file(p);
      Files.createDirectories(f.getParent());
      Files.write(f, data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
