package dev.cairn.interop;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import dev.cairn.merkle.Proofs;
import dev.cairn.note.NoteSigner;
import dev.cairn.note.SignedNote;
import dev.cairn.tile.Bundles;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.TileBuilder;
import dev.cairn.tile.TileHashReader;
import dev.cairn.tile.TilePath;
import dev.cairn.tile.TileReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A log that Cairn's core writes into a directory in the C2SP tlog-tiles layout, for another
 * implementation to read: hash tiles from {@link TileBuilder}, entry bundles from {@link
 * Bundles}, a checkpoint note from {@link SignedNote}, and proofs from {@link Proofs}.
 */
final class CairnLog {
  /** The checkpoint origin, and the name of the log's keys. */
  static final String ORIGIN = "cairn.example/interop";

  /**
   * A written log.
   *
   * @param dir the directory holding {@code checkpoint} and {@code tile/...}
   * @param checkpoint the signed checkpoint's body
   * @param note the signed checkpoint note, as written
   * @param publishedRoots the root at every size the log was published at, final size included
   */
  record Written(Path dir, Checkpoint checkpoint, byte[] note, Map<Long, Hash> publishedRoots) {}

  /** How many proofs of each kind a proofs file holds. */
  record ProofCount(int inclusion, int consistency) {}

  private CairnLog() {}

  /**
   * Entry {@code i}: deterministic, mostly short, with some empty entries, some longer than 255
   * bytes (so the high byte of the length prefix matters) and some of the largest size a bundle
   * can carry.
   */
  static byte[] entry(long i) {
    if (i % 97 == 3) {
      return new byte[0];
    }
    int length;
    if (i % 10_007 == 5) {
      length = Bundles.MAX_ENTRY_SIZE;
    } else if (i % 1_009 == 7) {
      length = 300;
    } else {
      length = 12 + (int) (i % 53);
    }
    byte[] e = new byte[length];
    for (int k = 0; k < length; k++) {
      e[k] = (byte) (i * 31 + k);
    }
    byte[] label = ("entry " + i).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(label, 0, e, 0, Math.min(label.length, length));
    return e;
  }

  /**
   * Appends entries {@code 0..size-1} and publishes after every {@code batch} entries and at the
   * end, as a sequencer would: full tiles and bundles are written as they complete, and each
   * publication writes the partial tiles that changed since the previous one and the partial
   * bundle. After each publication the builder is restored from the tiles written so far, as
   * after a restart. Partial tiles of earlier publications stay behind, as they do in a real
   * log. The final checkpoint is signed by {@code signers}.
   */
  static Written write(Path dir, long size, long batch, List<NoteSigner> signers)
      throws IOException {
    Files.createDirectories(dir);
    TileBuilder builder = TileBuilder.empty();
    Hasher hasher = new Hasher();
    List<byte[]> pending = new ArrayList<>();
    Map<Long, Hash> roots = new LinkedHashMap<>();
    TileBuilder.Sink fullTiles = (tile, data) -> put(dir, tile, data);
    long published = 0;
    for (long i = 0; i < size; i++) {
      byte[] e = entry(i);
      pending.add(e);
      builder.append(hasher.leaf(e).toByteArray(), 0, fullTiles);
      if (pending.size() == TilePath.FULL_WIDTH) {
        put(dir, EntryBundle.full(i >>> 8), Bundles.encode(pending));
        pending.clear();
      }
      if ((i + 1) % batch == 0 || i + 1 == size) {
        for (TileBuilder.TileData t : builder.partialTiles(published)) {
          put(dir, t.tile(), t.data());
        }
        if (!pending.isEmpty()) {
          put(dir, new EntryBundle((i + 1) >>> 8, pending.size()), Bundles.encode(pending));
        }
        published = i + 1;
        roots.put(published, builder.root());
        // Continue from storage alone, as a restarted sequencer would.
        builder = TileBuilder.restore(published, tiles(dir));
      }
    }
    Checkpoint checkpoint = new Checkpoint(ORIGIN, size, builder.root());
    byte[] note = SignedNote.sign(checkpoint.format(), signers).encode();
    Files.write(dir.resolve("checkpoint"), note);
    return new Written(dir, checkpoint, note, roots);
  }

  /** Reads hash tiles from the C2SP paths under {@code dir}. */
  static TileReader tiles(Path dir) {
    return tile -> Files.readAllBytes(dir.resolve(tile.path()));
  }

  /**
   * Writes Cairn's inclusion and consistency proofs for a sample of indices and old sizes, in
   * the auditor's format ({@code inclusion <index> <hash>...}, {@code consistency <old size>
   * <old root> <hash>...}). Old roots are the published ones where the log was published at that
   * size, and otherwise computed from the tiles.
   */
  static ProofCount writeProofs(Written log, Path file) throws IOException {
    long size = log.checkpoint().size();
    TileHashReader reader = new TileHashReader(size, tiles(log.dir()));
    Random random = new Random(size);
    List<String> lines = new ArrayList<>();
    TreeSet<Long> indices = sample(size, 0, random, 0, 1, 2, 255, 256, 257, 65_535, 65_536,
        size / 3, size / 2, size - 2, size - 1);
    for (long i : indices) {
      lines.add("inclusion " + i + join(Proofs.inclusion(reader, i, size)));
    }
    Map<Long, Hash> oldRoots = new TreeMap<>(log.publishedRoots());
    for (long m : sample(size + 1, 1, random, 1, 2, 3, 255, 256, 257, 65_536, size / 2,
        size - 1, size)) {
      oldRoots.putIfAbsent(m, Proofs.treeHash(reader, m));
    }
    for (Map.Entry<Long, Hash> old : oldRoots.entrySet()) {
      long m = old.getKey();
      lines.add("consistency " + m + " " + old.getValue().toBase64()
          + join(Proofs.consistency(reader, m, size)));
    }
    Files.write(file, lines);
    return new ProofCount(indices.size(), oldRoots.size());
  }

  /** The values of {@code fixed} in {@code [min, limit)} and five random ones. */
  private static TreeSet<Long> sample(long limit, long min, Random random, long... fixed) {
    TreeSet<Long> out = new TreeSet<>();
    for (long v : fixed) {
      if (v >= min && v < limit) {
        out.add(v);
      }
    }
    for (int k = 0; k < 5 && limit > min; k++) {
      out.add(min + Math.floorMod(random.nextLong(), limit - min));
    }
    return out;
  }

  private static String join(List<Hash> hashes) {
    return hashes.stream().map(h -> " " + h.toBase64()).collect(Collectors.joining());
  }

  private static void put(Path dir, TilePath tile, byte[] data) {
    try {
      Path file = dir.resolve(tile.path());
      Files.createDirectories(file.getParent());
      Files.write(file, data);
    } catch (IOException e) {
      throw new UncheckedIOException("couldn't write " + tile.path(), e);
    }
  }
}
