package dev.cairn.witness;

import dev.cairn.merkle.Hash;
import dev.cairn.merkle.HashReader;
import dev.cairn.merkle.Hasher;
import dev.cairn.merkle.Proofs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** An in-memory Merkle tree keeping every complete subtree hash, for building test logs. */
final class MemoryTree implements HashReader {
  private final List<List<Hash>> levels = new ArrayList<>();
  private final Hasher hasher = new Hasher();

  synchronized void append(byte[] entry) {
    Hash h = hasher.leaf(entry);
    int level = 0;
    while (true) {
      if (levels.size() == level) {
        levels.add(new ArrayList<>());
      }
      List<Hash> l = levels.get(level);
      l.add(h);
      if (l.size() % 2 != 0) {
        return;
      }
      h = hasher.node(l.get(l.size() - 2), l.get(l.size() - 1));
      level++;
    }
  }

  /** Appends entries until the tree has {@code n} leaves. */
  synchronized void growTo(long n) {
    while (size() < n) {
      append(("entry " + size()).getBytes(StandardCharsets.UTF_8));
    }
  }

  synchronized long size() {
    return levels.isEmpty() ? 0 : levels.get(0).size();
  }

  @Override
  public synchronized Hash read(int level, long index) {
    return levels.get(level).get((int) index);
  }

  Hash root(long size) {
    growTo(size);
    try {
      return size == 0 ? Hasher.emptyRoot() : Proofs.treeHash(this, size);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  List<Hash> consistency(long old, long size) {
    growTo(size);
    try {
      return old == 0 ? List.of() : Proofs.consistency(this, old, size);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
