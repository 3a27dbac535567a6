package dev.cairn.log.replay;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.log.storage.embedded.DedupIndex;
import dev.cairn.log.storage.embedded.HashDedupIndex;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import dev.cairn.read.Divergence;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The sorted, chunked dedup check against a real index: whatever the chunk size, it finds what
 * a lookup per entry in log order finds, and names the lowest wrong entry.
 */
class DedupCheckTest {
  private static final int SIZE = 3000;
  private static final int WIDTH = 256;

  @TempDir Path dir;

  private static Hash leaf(long i) {
    return new Hasher().leaf(("entry " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** An index of entries 0 to SIZE - 1 but those {@code skip} says, each mapped by {@code to}. */
  private HashDedupIndex index(LongPredicate skip, java.util.function.LongUnaryOperator to,
      long watermark) throws Exception {
    HashDedupIndex index = HashDedupIndex.open(dir.resolve("dedup"));
    List<DedupIndex.Mapping> all = new ArrayList<>();
    for (long i = 0; i < SIZE; i++) {
      if (!skip.test(i)) {
        all.add(new DedupIndex.Mapping(leaf(i), to.applyAsLong(i)));
      }
    }
    index.add(all, watermark);
    return index;
  }

  /** Feeds the log's leaf hashes to a check in bundles of WIDTH, then finishes it. */
  private static void check(DedupIndex index, long watermark, int chunk) throws Exception {
    DedupCheck check = new DedupCheck(index, watermark, chunk);
    for (long from = 0; from < SIZE; from += WIDTH) {
      int n = (int) Math.min(WIDTH, SIZE - from);
      ByteBuffer packed = ByteBuffer.allocate(n * Hash.SIZE);
      for (int i = 0; i < n; i++) {
        packed.put(leaf(from + i).toByteArray());
      }
      check.add(from, packed.array(), n);
    }
    check.finish();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 7, 256, 1000, 4096})
  void aRightIndexPassesInAnyChunks(int chunk) throws Exception {
    // Entries above the watermark may be absent, and an entry may map to an earlier copy.
    try (HashDedupIndex index = index(i -> i >= 2900, i -> i == 17 ? 3 : i, 2900)) {
      assertThatCode(() -> check(index, 2900, chunk)).doesNotThrowAnyException();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 7, 256, 1000, 4096})
  void theLowestMissingEntryIsNamed(int chunk) throws Exception {
    try (HashDedupIndex index = index(i -> i == 2345 || i == 2999 || i == 1001, i -> i,
        SIZE)) {
      assertThatThrownBy(() -> check(index, SIZE, chunk)).isInstanceOf(Divergence.class)
          .hasMessage("the dedup index lacks entry 1001 (below its watermark 3000): a"
              + " resubmission would get the wrong answer");
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 7, 256, 1000, 4096})
  void anEntryMappedToALaterIndexIsNamed(int chunk) throws Exception {
    try (HashDedupIndex index = index(i -> false, i -> i == 2500 ? 2600 : i == 700 ? 701 : i,
        SIZE)) {
      assertThatThrownBy(() -> check(index, SIZE, chunk)).isInstanceOf(Divergence.class)
          .hasMessage("the dedup index maps entry 700's leaf hash to index 701: a resubmission"
              + " would get the wrong answer");
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 1000})
  void theWatermarkBoundsTheCheck(int chunk) throws Exception {
    // The index holds nothing from 2000 on: right below a watermark of 2000, wrong below 2001.
    try (HashDedupIndex index = index(i -> i >= 2000, i -> i, 2000)) {
      assertThatCode(() -> check(index, 2000, chunk)).doesNotThrowAnyException();
      assertThatThrownBy(() -> check(index, 2001, chunk)).isInstanceOf(Divergence.class)
          .hasMessageStartingWith("the dedup index lacks entry 2000 (below its watermark 2001)");
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 1000})
  void entriesOutOfOrderAreRefused(int chunk) throws Exception {
    try (HashDedupIndex index = index(i -> false, i -> i, SIZE)) {
      DedupCheck check = new DedupCheck(index, SIZE, chunk);
      check.add(0, leaf(0).toByteArray(), 1);
      assertThatThrownBy(() -> check.add(5, leaf(5).toByteArray(), 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("entry 5 does not follow entry 0");
    }
  }
}
