package dev.cairn.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.testing.NaiveTree;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** One cache serving proofs over every size of a growing tree. */
class SubtreeCacheTest {
  private static final int MAX = 600;
  private static final NaiveTree TREE = NaiveTree.ofSize(MAX);

  /** Counts the reads that reach the backing reader. */
  private static final class Counting implements HashReader {
    final List<String> reads = new ArrayList<>();

    @Override
    public Hash read(int level, long index) throws IOException {
      reads.add(level + "/" + index);
      return TREE.read(level, index);
    }
  }

  @Property
  void proofsThroughOneSmallCacheAtManySizesMatchTheReference(
      @ForAll @IntRange(min = 1, max = MAX) int size, @ForAll @IntRange(min = 0, max = MAX) int i,
      @ForAll @IntRange(min = 1, max = 6) int bits) throws IOException {
    Assume.that(i < size);
    // Two bits of cache for hundreds of subtrees: collisions replace slots all the time.
    SubtreeCache cache = new SubtreeCache(bits);
    for (int s = size; s <= MAX; s += 37) {
      HashReader cached = cache.over(TREE);
      assertThat(Proofs.inclusion(cached, i, s)).isEqualTo(TREE.path(i, 0, s));
      assertThat(Proofs.consistency(cached, size, s)).isEqualTo(TREE.consistency(size, s));
    }
  }

  @Test
  void repeatedReadsOfUpperSubtreesAreServedFromTheCache() throws IOException {
    SubtreeCache cache = new SubtreeCache(10);
    Counting backing = new Counting();
    HashReader cached = cache.over(backing);
    Proofs.inclusion(cached, 500, MAX);
    List<String> first = List.copyOf(backing.reads);
    backing.reads.clear();
    Proofs.inclusion(cached, 501, MAX); // the same path above the leaves' pair
    assertThat(first).contains("0/501", "8/0");
    assertThat(backing.reads).containsExactly("0/500"); // only the sibling leaf is read again
  }

  @Test
  void leavesAreNotCached() throws IOException {
    Counting backing = new Counting();
    HashReader cached = new SubtreeCache(4).over(backing);
    cached.read(0, 7);
    cached.read(0, 7);
    assertThat(backing.reads).containsExactly("0/7", "0/7");
  }

  @Test
  void aFailedReadIsNotCached() throws IOException {
    int[] calls = {0};
    HashReader flaky = (level, index) -> {
      if (calls[0]++ == 0) {
        throw new IOException("tile missing");
      }
      return TREE.read(level, index);
    };
    HashReader cached = new SubtreeCache(4).over(flaky);
    assertThatThrownBy(() -> cached.read(3, 1)).isInstanceOf(IOException.class);
    assertThat(cached.read(3, 1)).isEqualTo(TREE.read(3, 1));
  }

  @Test
  void sizeIsBounded() {
    assertThatThrownBy(() -> new SubtreeCache(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SubtreeCache(25)).isInstanceOf(IllegalArgumentException.class);
  }
}
