package dev.cairn.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hasher;
import dev.cairn.note.SignedNote;
import dev.cairn.proof.TlogProof;
import dev.cairn.log.publishing.Publisher;
import dev.cairn.log.sequencing.Sequencer;
import dev.cairn.log.testing.MemoryLog;
import dev.cairn.testing.NaiveTree;
import dev.cairn.verify.LogVerifier;
import java.util.ArrayList;
import java.util.List;
import dev.cairn.log.BadInputException;
import dev.cairn.log.NotFoundException;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Proofs built from the stored tiles against the RFC 9162 reference tree, over a log whose
 * checkpoints were published at sizes chosen around tile boundaries.
 */
class LogProofsTest {
  private static final long[] PUBLISHED = {1, 2, 3, 7, 8, 255, 256, 257, 511, 600};

  private static MemoryLog log;
  private static Publisher publisher;
  private static LogProofs proofs;
  private static final NaiveTree REFERENCE = NaiveTree.ofSize(600);
  private static final LogVerifier VERIFIER = MemoryLog.verifier();

  @BeforeAll
  static void buildLog() throws Exception {
    log = new MemoryLog(MemoryLog.FAST);
    Sequencer s = log.start();
    publisher = log.openPublisher();
    long size = 0;
    for (long target : PUBLISHED) {
      List<byte[]> batch = new ArrayList<>();
      for (; size < target; size++) {
        batch.add(NaiveTree.entry(size));
      }
      for (CompletableFuture<Sequencer.Added> f : s.addAll(batch)) {
        f.get(10, TimeUnit.SECONDS);
      }
      publisher.publish();
    }
    proofs = new LogProofs(log.tiles(), publisher, log.coordinator());
  }

  @AfterAll
  static void close() {
    log.close();
  }

  private static long[] indicesFor(long size) {
    return java.util.stream.LongStream.of(0, 1, size / 3, size / 2, size - 2, size - 1)
        .filter(i -> i >= 0 && i < size).distinct().toArray();
  }

  @Test
  void inclusionProofsInEveryPublishedCheckpointMatchTheReferenceAndVerify() throws Exception {
    for (long size : PUBLISHED) {
      for (long index : indicesFor(size)) {
        byte[] encoded = proofs.inclusion(index, OptionalLong.of(size));
        TlogProof proof = TlogProof.parse(encoded);
        assertThat(proof.index()).isEqualTo(index);
        assertThat(proof.inclusion()).as("proof of %d in %d", index, size)
            .isEqualTo(REFERENCE.path((int) index, 0, (int) size));
        Checkpoint c = Checkpoint.parse(SignedNote.parse(proof.checkpoint()).text());
        assertThat(c.size()).isEqualTo(size);
        assertThat(c.root()).isEqualTo(REFERENCE.root((int) size));
        VERIFIER.verifyProof(NaiveTree.entry(index), encoded);
      }
    }
  }

  @Test
  void anInclusionProofWithoutASizeIsInTheLatestCheckpoint() throws Exception {
    byte[] encoded = proofs.inclusion(599, OptionalLong.empty());
    assertThat(VERIFIER.verifyProof(NaiveTree.entry(599), encoded).checkpoint().size())
        .isEqualTo(600);
    assertThatThrownBy(() -> VERIFIER.verifyProof(NaiveTree.entry(598), encoded))
        .hasMessageContaining("not included");
  }

  @Test
  void consistencyProofsBetweenAnySizesMatchTheReference() throws Exception {
    long[] sizes = {1, 2, 3, 4, 7, 8, 9, 100, 255, 256, 257, 300, 511, 512, 599, 600};
    for (long m : sizes) {
      for (long n : sizes) {
        if (m <= n) {
          assertThat(proofs.consistency(m, n)).as("consistency %d to %d", m, n)
              .isEqualTo(REFERENCE.consistency((int) m, (int) n));
        }
      }
    }
  }

  @Test
  void indexOfFindsOnlyEntriesInTheLatestCheckpoint() throws Exception {
    Hasher hasher = Hasher.threadLocal();
    assertThat(proofs.indexOf(hasher.leaf(NaiveTree.entry(0)))).isZero();
    assertThat(proofs.indexOf(hasher.leaf(NaiveTree.entry(599)))).isEqualTo(599);
    assertThatThrownBy(() -> proofs.indexOf(hasher.leaf("never added".getBytes())))
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  void rejectsWhatNoPublishedCheckpointCovers() {
    assertThatThrownBy(() -> proofs.inclusion(600, OptionalLong.empty()))
        .isInstanceOf(BadInputException.class);
    assertThatThrownBy(() -> proofs.inclusion(7, OptionalLong.of(7)))
        .isInstanceOf(BadInputException.class);
    assertThatThrownBy(() -> proofs.inclusion(0, OptionalLong.of(4)))
        .isInstanceOf(NotFoundException.class).hasMessageContaining("size 4");
    assertThatThrownBy(() -> proofs.consistency(0, 5))
        .isInstanceOf(BadInputException.class);
    assertThatThrownBy(() -> proofs.consistency(6, 5))
        .isInstanceOf(BadInputException.class);
    assertThatThrownBy(() -> proofs.consistency(5, 601))
        .isInstanceOf(BadInputException.class);
  }
}
