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

/** The tree math against the naive RFC 9162 reference, for random sizes and indices. */
class MerklePropertiesTest {
  private static final int MAX = 600;
  private static final NaiveTree TREE = NaiveTree.ofSize(MAX + 1);

  @Property
  void rightEdgeRootMatchesReference(@ForAll @IntRange(min = 0, max = MAX) int size) {
    RightEdge edge = new RightEdge();
    for (int i = 0; i < size; i++) {
      edge.append(Hash.of(TREE.leafHash(i)));
    }
    assertThat(edge.size()).isEqualTo(size);
    assertThat(edge.root()).isEqualTo(TREE.root(size));
  }

  @Property
  void rightEdgeRestoredFromStoredHashesContinuesTheSameTree(
      @ForAll @IntRange(min = 0, max = MAX - 50) int size,
      @ForAll @IntRange(min = 0, max = 50) int more) throws IOException {
    RightEdge edge = RightEdge.restore(size, TREE);
    assertThat(edge.root()).isEqualTo(TREE.root(size));
    for (int i = size; i < size + more; i++) {
      edge.append(Hash.of(TREE.leafHash(i)));
    }
    assertThat(edge.root()).isEqualTo(TREE.root(size + more));
  }

  @Property
  void rightEdgeReportsEveryCompleteSubtree(@ForAll @IntRange(min = 1, max = 300) int size) {
    RightEdge edge = new RightEdge();
    List<String> nodes = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      edge.append(TREE.leafHash(i), 0, (level, index, hash, off) -> {
        assertThat(Hash.copyOf(hash, off)).isEqualTo(TREE.read(level, index));
        nodes.add(level + "/" + index);
      });
    }
    // A tree of n leaves has exactly 2n - popcount(n) complete subtrees.
    assertThat(nodes).doesNotHaveDuplicates().hasSize(2 * size - Integer.bitCount(size));
  }

  @Property
  void inclusionProofsMatchReferenceAndVerify(
      @ForAll @IntRange(min = 1, max = MAX) int size, @ForAll @IntRange(min = 0, max = MAX) int i)
      throws IOException {
    Assume.that(i < size);
    List<Hash> proof = Proofs.inclusion(TREE, i, size);
    assertThat(proof).isEqualTo(TREE.path(i, 0, size));
    assertThat(proof).hasSize(ProofVerifier.inclusionLength(i, size));
    ProofVerifier.verifyInclusion(Hash.of(TREE.leafHash(i)), i, size, proof, TREE.root(size));
  }

  @Property
  void consistencyProofsMatchReferenceAndVerify(
      @ForAll @IntRange(min = 1, max = MAX) int m, @ForAll @IntRange(min = 1, max = MAX) int n)
      throws IOException {
    Assume.that(m <= n);
    List<Hash> proof = Proofs.consistency(TREE, m, n);
    assertThat(proof).isEqualTo(TREE.consistency(m, n));
    assertThat(proof).hasSize(ProofVerifier.consistencyLength(m, n));
    ProofVerifier.verifyConsistency(m, n, proof, TREE.root(m), TREE.root(n));
  }

  @Property
  void anySingleBitFlipBreaksAnInclusionProof(
      @ForAll @IntRange(min = 2, max = MAX) int size, @ForAll @IntRange(min = 0, max = MAX) int i,
      @ForAll @IntRange(min = 0, max = 255) int bit, @ForAll @IntRange(min = 0, max = 64) int at)
      throws IOException {
    Assume.that(i < size);
    List<Hash> proof = Proofs.inclusion(TREE, i, size);
    Hash leaf = Hash.of(TREE.leafHash(i));
    Hash root = TREE.root(size);
    int target = at % (proof.size() + 2); // a proof hash, the leaf or the root
    if (target < proof.size()) {
      List<Hash> bad = new ArrayList<>(proof);
      bad.set(target, flip(proof.get(target), bit));
      assertRejected(() -> ProofVerifier.verifyInclusion(leaf, i, size, bad, root));
    } else if (target == proof.size()) {
      assertRejected(() -> ProofVerifier.verifyInclusion(flip(leaf, bit), i, size, proof, root));
    } else {
      assertRejected(() -> ProofVerifier.verifyInclusion(leaf, i, size, proof, flip(root, bit)));
    }
  }

  @Property
  void wrongIndexSizeOrShapeBreaksAnInclusionProof(
      @ForAll @IntRange(min = 2, max = MAX) int size, @ForAll @IntRange(min = 0, max = MAX) int i)
      throws IOException {
    Assume.that(i < size);
    List<Hash> proof = Proofs.inclusion(TREE, i, size);
    Hash leaf = Hash.of(TREE.leafHash(i));
    Hash root = TREE.root(size);
    int other = (i + 1) % size;
    assertRejected(() -> ProofVerifier.verifyInclusion(leaf, other, size, proof, root));
    assertRejected(() -> ProofVerifier.verifyInclusion(leaf, i, size + 1, proof, TREE.root(size + 1)));
    assertRejected(() -> ProofVerifier.verifyInclusion(leaf, i, size, proof.subList(0,
        proof.size() - 1), root));
    List<Hash> longer = new ArrayList<>(proof);
    longer.add(root);
    assertRejected(() -> ProofVerifier.verifyInclusion(leaf, i, size, longer, root));
    if (proof.size() >= 2) {
      List<Hash> swapped = new ArrayList<>(proof);
      java.util.Collections.swap(swapped, 0, 1);
      Assume.that(!swapped.equals(proof));
      assertRejected(() -> ProofVerifier.verifyInclusion(leaf, i, size, swapped, root));
    }
  }

  @Property
  void anySingleBitFlipOrTruncationBreaksAConsistencyProof(
      @ForAll @IntRange(min = 1, max = MAX) int m, @ForAll @IntRange(min = 2, max = MAX) int n,
      @ForAll @IntRange(min = 0, max = 255) int bit, @ForAll @IntRange(min = 0, max = 64) int at)
      throws IOException {
    Assume.that(m < n);
    List<Hash> proof = Proofs.consistency(TREE, m, n);
    Hash r1 = TREE.root(m);
    Hash r2 = TREE.root(n);
    int target = at % (proof.size() + 2);
    if (target < proof.size()) {
      List<Hash> bad = new ArrayList<>(proof);
      bad.set(target, flip(proof.get(target), bit));
      assertRejected(() -> ProofVerifier.verifyConsistency(m, n, bad, r1, r2));
    } else if (target == proof.size()) {
      assertRejected(() -> ProofVerifier.verifyConsistency(m, n, proof, flip(r1, bit), r2));
    } else {
      assertRejected(() -> ProofVerifier.verifyConsistency(m, n, proof, r1, flip(r2, bit)));
    }
    assertRejected(() -> ProofVerifier.verifyConsistency(m, n, proof.subList(1, proof.size()),
        r1, r2));
    assertRejected(() -> ProofVerifier.verifyConsistency(m, n + 1, proof, r1, TREE.root(n + 1)));
    if (proof.size() >= 2) {
      List<Hash> swapped = new ArrayList<>(proof);
      java.util.Collections.swap(swapped, 0, proof.size() - 1);
      Assume.that(!swapped.equals(proof));
      assertRejected(() -> ProofVerifier.verifyConsistency(m, n, swapped, r1, r2));
    }
  }

  @Property
  void treeHashFromStoredHashesMatchesReference(@ForAll @IntRange(min = 0, max = MAX) int size)
      throws IOException {
    assertThat(Proofs.treeHash(TREE, size)).isEqualTo(TREE.root(size));
  }

  @Property
  void hashBase64RoundTrips(@ForAll @IntRange(min = 0, max = MAX - 1) int i) {
    Hash h = Hash.of(TREE.leafHash(i));
    assertThat(Hash.fromBase64(h.toBase64())).isEqualTo(h);
    assertThat(Hash.fromHex(h.toHex())).isEqualTo(h);
  }

  private static Hash flip(Hash h, int bit) {
    byte[] b = h.toByteArray();
    b[bit / 8] ^= (byte) (1 << (bit % 8));
    return Hash.of(b);
  }

  private static void assertRejected(Runnable r) {
    assertThatThrownBy(r::run).isInstanceOf(ProofException.class);
  }
}
