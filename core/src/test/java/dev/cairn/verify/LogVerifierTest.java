package dev.cairn.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import dev.cairn.merkle.Proofs;
import dev.cairn.note.NoteSignature;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.policy.Policy;
import dev.cairn.proof.TlogProof;
import dev.cairn.testing.NaiveTree;
import dev.cairn.verify.VerificationException.Reason;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** The verifier API end to end: a log signs, witnesses cosign, a client verifies offline. */
class LogVerifierTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String ORIGIN = "example.com/log";
  private static final SignerKey LOG_ED = SignerKey.generate(ORIGIN, SignatureType.ED25519, RANDOM);
  private static final SignerKey LOG_ML =
      SignerKey.generate(ORIGIN, SignatureType.MLDSA44_SUBTREE_V1, RANDOM);
  private static final SignerKey W1 =
      SignerKey.generate("w1.example", SignatureType.COSIGNATURE_V1, RANDOM);
  private static final SignerKey W2 =
      SignerKey.generate("w2.example", SignatureType.MLDSA44_SUBTREE_V1, RANDOM);
  private static final NaiveTree TREE = NaiveTree.ofSize(100);
  private static final Policy POLICY = Policy.parse("log " + LOG_ED.verifierKey().encode() + "\n"
      + "log " + LOG_ML.verifierKey().encode() + "\n"
      + "witness A " + W1.verifierKey().encode() + "\n"
      + "witness B " + W2.verifierKey().encode() + "\n"
      + "group both all A B\nquorum both\n");

  private static SignedNote checkpoint(int size, SignerKey... signers) {
    String text = new Checkpoint(ORIGIN, size, TREE.root(size)).format();
    return SignedNote.sign(text, java.util.Arrays.stream(signers).map(SignerKey::signer).toList());
  }

  @Test
  void acceptsACheckpointMeetingThePolicy() throws VerificationException {
    VerifiedCheckpoint v = LogVerifier.of(POLICY).verifyCheckpoint(
        checkpoint(10, LOG_ED, LOG_ML, W1, W2).encode());
    assertThat(v.checkpoint().size()).isEqualTo(10);
    assertThat(v.logSignatureTypes())
        .containsExactlyInAnyOrder(SignatureType.ED25519, SignatureType.MLDSA44_SUBTREE_V1);
    assertThat(v.witnesses()).containsExactlyInAnyOrder("A", "B");
  }

  @Test
  void rejectsMissingQuorumUntrustedLogAndTampering() {
    LogVerifier v = LogVerifier.of(POLICY);
    assertReason(() -> v.verifyCheckpoint(checkpoint(10, LOG_ED, W1).encode()),
        Reason.QUORUM_NOT_MET);
    SignerKey other = SignerKey.generate(ORIGIN, SignatureType.ED25519, RANDOM);
    assertReason(() -> v.verifyCheckpoint(checkpoint(10, other, W1, W2).encode()),
        Reason.UNTRUSTED);
    byte[] note = checkpoint(10, LOG_ED, W1, W2).encode();
    String tampered = new String(note, StandardCharsets.UTF_8).replace("\n10\n", "\n11\n");
    assertReason(() -> v.verifyCheckpoint(tampered.getBytes(StandardCharsets.UTF_8)),
        Reason.BAD_SIGNATURE);
    assertReason(() -> v.verifyCheckpoint("garbage".getBytes(StandardCharsets.UTF_8)),
        Reason.MALFORMED);
  }

  @Test
  void aLogKeyMustBeNamedForTheOrigin() {
    SignerKey misnamed = SignerKey.generate("example.com/other", SignatureType.ED25519, RANDOM);
    LogVerifier v = LogVerifier.ofLogKeys(List.of(misnamed.verifierKey()));
    assertReason(() -> v.verifyCheckpoint(checkpoint(3, misnamed).encode()), Reason.UNTRUSTED);
  }

  @Test
  void canDemandBothSignatureTypes() throws VerificationException {
    LogVerifier both = LogVerifier.ofLogKeys(List.of(LOG_ED.verifierKey(), LOG_ML.verifierKey()))
        .requireLogSignatures(SignatureType.ED25519, SignatureType.MLDSA44_SUBTREE_V1);
    both.verifyCheckpoint(checkpoint(5, LOG_ED, LOG_ML).encode());
    assertReason(() -> both.verifyCheckpoint(checkpoint(5, LOG_ED).encode()), Reason.UNTRUSTED);
    // The ML-DSA-44 key alone is enough for a client that trusts only it.
    LogVerifier pq = LogVerifier.ofLogKeys(List.of(LOG_ML.verifierKey()));
    assertThat(pq.verifyCheckpoint(checkpoint(5, LOG_ED, LOG_ML).encode()).logSignatureTypes())
        .containsExactly(SignatureType.MLDSA44_SUBTREE_V1);
  }

  @Test
  void verifiesATlogProofAndRejectsAWrongEntry() throws Exception {
    int size = 37;
    int index = 12;
    List<Hash> path = Proofs.inclusion(TREE, index, size);
    byte[] proof = new TlogProof(null, index, path, checkpoint(size, LOG_ED, W1, W2).encode())
        .encode();
    LogVerifier v = LogVerifier.of(POLICY);
    assertThat(v.verifyProof(NaiveTree.entry(index), proof).checkpoint().size()).isEqualTo(size);
    assertReason(() -> v.verifyProof(NaiveTree.entry(index + 1), proof), Reason.NOT_INCLUDED);
    assertReason(() -> v.verifyProof(NaiveTree.entry(index), new byte[] {'x'}), Reason.MALFORMED);
  }

  @Test
  void verifiesConsistencyAndCatchesForksAndRollbacks() throws Exception {
    LogVerifier v = LogVerifier.ofLogKeys(List.of(LOG_ED.verifierKey()));
    VerifiedCheckpoint c20 = v.verifyCheckpoint(checkpoint(20, LOG_ED).encode());
    VerifiedCheckpoint c50 = v.verifyCheckpoint(checkpoint(50, LOG_ED).encode());
    v.verifyConsistency(c20, c50, Proofs.consistency(TREE, 20, 50));
    v.verifyConsistency(c50, c50, List.of());
    assertReason(() -> v.verifyConsistency(c50, c20, List.of()), Reason.INCONSISTENT);
    NaiveTree fork = NaiveTree.ofSize(50);
    fork.add(new byte[] {1});
    String forkText = new Checkpoint(ORIGIN, 51, fork.root(51)).format();
    VerifiedCheckpoint forked = v.verifyCheckpoint(
        SignedNote.sign(forkText, List.of(LOG_ED.signer())).encode());
    assertReason(() -> v.verifyConsistency(c50, forked, Proofs.consistency(TREE, 50, 51)),
        Reason.INCONSISTENT);
    VerifiedCheckpoint empty = v.verifyCheckpoint(SignedNote.sign(
        new Checkpoint(ORIGIN, 0, Hasher.emptyRoot()).format(), List.of(LOG_ED.signer()))
        .encode());
    v.verifyConsistency(empty, c20, List.of());
  }

  @Test
  void aBadWitnessCosignatureRejectsTheCheckpoint() {
    SignedNote n = checkpoint(10, LOG_ED, W2);
    NoteSignature good = SignedNote.sign(n.text(), List.of(W1.signer())).signatures().get(0);
    byte[] sig = good.signature();
    sig[sig.length - 1] ^= 1;
    byte[] bad = n.withSignatures(List.of(new NoteSignature(good.name(), good.keyId(), sig)))
        .encode();
    assertReason(() -> LogVerifier.of(POLICY).verifyCheckpoint(bad), Reason.BAD_SIGNATURE);
  }

  private static void assertReason(ThrowingCallable call, Reason reason) {
    assertThatThrownBy(call).isInstanceOfSatisfying(VerificationException.class,
        e -> assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason));
  }

}
