package dev.cairn.testing;

import dev.cairn.merkle.Hash;
import dev.cairn.merkle.HashReader;
import dev.cairn.merkle.Hasher;
import dev.cairn.merkle.Proofs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An in-memory Merkle tree of the entries {@code <prefix><i>}, grown on demand, keeping every
 * complete subtree hash: roots and consistency proofs for tests that play a log against
 * witnesses. Thread-safe.
 */
public class GrowingTree implements HashReader {
  private final String prefix;
  private final List<List<Hash>> levels = new ArrayList<>();

  /** A tree of the entries {@code <prefix>0}, {@code <prefix>1}, … */
  public GrowingTree(String prefix) {
    this.prefix = prefix;
  }

  /**
   * A tree whose first {@code shared} entries are {@code base}'s and the rest its own: a history
   * that diverges from {@code base} after {@code shared} entries.
   */
  public static GrowingTree divergingFrom(String basePrefix, long shared, String prefix) {
    return new GrowingTree(prefix) {
      @Override
      protected String entry(long i) {
        return (i < shared ? basePrefix : prefix) + i;
      }
    };
  }

  /** Entry {@code i}. */
  protected String entry(long i) {
    return prefix + i;
  }

  @Override
  public synchronized Hash read(int level, long index) {
    return levels.get(level).get((int) index);
  }

  /** Appends entries until the tree has {@code n} leaves. */
  public synchronized void growTo(long n) {
    Hasher hasher = Hasher.threadLocal();
    while ((levels.isEmpty() ? 0 : levels.get(0).size()) < n) {
      long i = levels.isEmpty() ? 0 : levels.get(0).size();
      Hash h = hasher.leaf(entry(i).getBytes(StandardCharsets.UTF_8));
      for (int level = 0; ; level++) {
        if (levels.size() == level) {
          levels.add(new ArrayList<>());
        }
        List<Hash> l = levels.get(level);
        l.add(h);
        if (l.size() % 2 != 0) {
          break;
        }
        h = hasher.node(l.get(l.size() - 2), l.get(l.size() - 1));
      }
    }
  }

  /** The root at {@code size}. */
  public Hash root(long size) {
    growTo(size);
    try {
      return size == 0 ? Hasher.emptyRoot() : Proofs.treeHash(this, size);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The consistency proof from {@code old} to {@code size}; empty from 0 or backwards. */
  public List<Hash> consistency(long old, long size) {
    growTo(size);
    try {
      return old == 0 || old > size ? List.of() : Proofs.consistency(this, old, size);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
