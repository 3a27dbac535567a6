package dev.cairn.log.storage.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.log.storage.TreeHead;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@link DedupIndex} contract. */
public abstract class DedupIndexContract {
  protected abstract DedupIndex index() throws Exception;

  protected abstract DedupIndex reopen() throws Exception;

  private static Hash h(int i) {
    return Hasher.threadLocal().leaf(new byte[] {(byte) i, (byte) (i >> 8)});
  }

  @Test
  void findsWhatWasAddedAndTracksTheWatermark() throws Exception {
    DedupIndex d = index();
    assertThat(d.watermark()).isZero();
    assertThat(d.lookup(List.of(h(1)))).isEmpty();
    d.add(List.of(new DedupIndex.Mapping(h(1), 0), new DedupIndex.Mapping(h(2), 1)), 2);
    assertThat(d.lookup(List.of(h(1), h(2), h(3)))).isEqualTo(Map.of(h(1), 0L, h(2), 1L));
    assertThat(d.watermark()).isEqualTo(2);
    d.add(List.of(), 5);
    DedupIndex r = reopen();
    assertThat(r.watermark()).isEqualTo(5);
    assertThat(r.lookup(List.of(h(2)))).containsEntry(h(2), 1L);
  }

  @Test
  void repeatingAMappingChangesNothingAndTheWatermarkNeverLowers() throws Exception {
    DedupIndex d = index();
    d.add(List.of(new DedupIndex.Mapping(h(7), 3)), 10);
    d.add(List.of(new DedupIndex.Mapping(h(7), 3)), 8);
    assertThat(d.lookup(List.of(h(7)))).isEqualTo(Map.of(h(7), 3L));
    assertThat(d.watermark()).isEqualTo(10);
  }

  @Test
  void mappingsMustBeBelowTheWatermark() throws Exception {
    DedupIndex d = index();
    assertThatThrownBy(() -> d.add(List.of(new DedupIndex.Mapping(h(1), 5)), 5))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(d.lookup(List.of(h(1)))).isEmpty();
    assertThat(d.watermark()).isZero();
  }

  @Test
  void handlesLargeBatches() throws Exception {
    DedupIndex d = index();
    List<DedupIndex.Mapping> ms = new ArrayList<>();
    List<Hash> hs = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      ms.add(new DedupIndex.Mapping(h(i), i));
      hs.add(h(i));
    }
    d.add(ms, 20_000);
    Map<Hash, Long> found = d.lookup(hs);
    assertThat(found).hasSize(20_000);
    assertThat(found.get(h(12_345))).isEqualTo(12_345L);
  }

  @Test
  void aLookupOfPackedHashesAnswersAsALookupOfHashes() throws Exception {
    DedupIndex d = index();
    byte[] packed = new byte[300 * Hash.SIZE];
    for (int i = 0; i < 300; i++) {
      h(i).copyTo(packed, i * Hash.SIZE);
    }
    long[] indices = new long[301];
    indices[300] = 42;
    d.lookup(packed, 300, indices);
    assertThat(java.util.Arrays.copyOf(indices, 300)).as("an empty index finds nothing")
        .containsOnly(-1L);
    List<DedupIndex.Mapping> ms = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      ms.add(new DedupIndex.Mapping(h(i), 1_000 + i));
    }
    d.add(ms, 1_200);
    d.lookup(packed, 300, indices);
    for (int i = 0; i < 300; i++) {
      assertThat(indices[i]).as("hash %d", i).isEqualTo(i < 200 ? 1_000 + i : -1);
    }
    assertThat(indices[300]).as("only count hashes are looked up").isEqualTo(42);
    d.lookup(packed, 0, indices);
    assertThat(indices[0]).isEqualTo(1_000);
  }

  @Test
  void aReserveChangesNoAnswer() throws Exception {
    DedupIndex d = index();
    d.add(List.of(new DedupIndex.Mapping(h(1), 0)), 1);
    d.reserve(50_000);
    d.reserve(10);
    assertThat(d.lookup(List.of(h(1), h(2)))).isEqualTo(Map.of(h(1), 0L));
    assertThat(d.watermark()).isEqualTo(1);
    List<DedupIndex.Mapping> ms = new ArrayList<>();
    for (int i = 2; i < 50_000; i++) {
      ms.add(new DedupIndex.Mapping(h(i), i));
    }
    d.add(ms, 50_000);
    assertThat(d.lookup(List.of(h(1), h(49_999)))).isEqualTo(Map.of(h(1), 0L, h(49_999),
        49_999L));
  }
}
