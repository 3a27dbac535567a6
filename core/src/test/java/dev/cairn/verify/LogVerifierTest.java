package dev.cairn.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import dev.cairn.merkle.Proofs;
import dev.cairn.note.EcdsaNote;
import dev.cairn.note.NoteSignature;
import dev.cairn.note.NoteSigner;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifierKey;
import dev.cairn.policy.Policy;
import dev.cairn.proof.TlogProof;
import dev.cairn.testing.NaiveTree;
import dev.cairn.verify.VerificationException.Reason;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
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
    assertReason(() -> v.verifyCheckpoint(checkpoint(10, LOG_ED, LOG_ML, W1).encode()),
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

  /**
   * The ML-DSA-44 key is a file even when the classical key is in an HSM: one stolen key file
   * must not be enough to forge a checkpoint, a tlog-proof's included.
   */
  @Test
  void aCheckpointNeedsASignatureOfEachTrustedKeyType() throws Exception {
    LogVerifier v = LogVerifier.ofLogKeys(List.of(LOG_ED.verifierKey(), LOG_ML.verifierKey()));
    byte[] stolen = checkpoint(5, LOG_ML).encode();
    assertThatThrownBy(() -> v.verifyCheckpoint(stolen))
        .isInstanceOfSatisfying(VerificationException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.UNTRUSTED))
        .hasMessage("untrusted: the checkpoint lacks a signature by the log's Ed25519 key (only"
            + " ML-DSA-44 signed it); every key type the log publishes must sign");
    assertThatThrownBy(() -> v.verifyCheckpoint(checkpoint(5, LOG_ED).encode()))
        .hasMessageContaining("lacks a signature by the log's ML-DSA-44 key (only Ed25519");
    byte[] proof = new TlogProof(null, 3, Proofs.inclusion(TREE, 3, 5), stolen).encode();
    assertThatThrownBy(() -> v.verifyProof(NaiveTree.entry(3), proof))
        .hasMessageContaining("lacks a signature by the log's Ed25519 key");
    assertReason(() -> LogVerifier.of(POLICY).verifyCheckpoint(
        checkpoint(5, LOG_ML, W1, W2).encode()), Reason.UNTRUSTED);

    assertThat(v.verifyCheckpoint(checkpoint(5, LOG_ED, LOG_ML).encode()).logSignatureTypes())
        .containsExactlyInAnyOrder(SignatureType.ED25519, SignatureType.MLDSA44_SUBTREE_V1);
    LogVerifier any = v.acceptingAnyKeyType();
    assertThat(any.verifyCheckpoint(stolen).logSignatureTypes())
        .containsExactly(SignatureType.MLDSA44_SUBTREE_V1);
    assertThat(any.verifyProof(NaiveTree.entry(3), proof).checkpoint().size()).isEqualTo(5);
  }

  @Test
  void oneKeyOfATypeIsEnoughDuringARotationAndOnlyTrustedTypesAreRequired() throws Exception {
    SignerKey next = SignerKey.generate(ORIGIN, SignatureType.ED25519, RANDOM);
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair pair = g.generateKeyPair();
    VerifierKey hsmKey = EcdsaNote.verifierKey(ORIGIN, pair.getPublic());
    NoteSigner hsm = EcdsaNote.signer(hsmKey, pair.getPrivate(), g.getProvider());
    LogVerifier v = LogVerifier.ofLogKeys(List.of(LOG_ED.verifierKey(), next.verifierKey(),
        hsmKey, LOG_ML.verifierKey()));
    v.verifyCheckpoint(checkpoint(5, LOG_ED, LOG_ML).encode());
    v.verifyCheckpoint(checkpoint(5, next, LOG_ML).encode());
    v.verifyCheckpoint(SignedNote.sign(checkpoint(5, LOG_ML).text(),
        List.of(hsm, LOG_ML.signer())).encode());
    v.verifyCheckpoint(checkpoint(5, LOG_ED, next, LOG_ML).encode());
    assertThatThrownBy(() -> v.verifyCheckpoint(checkpoint(5, LOG_ML).encode()))
        .hasMessageContaining("lacks a signature by the log's Ed25519 or ECDSA P-256 key");
    // A client that trusts only the ML-DSA-44 key needs only its signature.
    LogVerifier pq = LogVerifier.ofLogKeys(List.of(LOG_ML.verifierKey()));
    assertThat(pq.verifyCheckpoint(checkpoint(5, LOG_ED, LOG_ML).encode()).logSignatureTypes())
        .containsExactly(SignatureType.MLDSA44_SUBTREE_V1);
    pq.verifyCheckpoint(checkpoint(5, LOG_ML).encode());
    // Keys of another log do not count for this one's types.
    SignerKey otherMl = SignerKey.generate("example.com/other", SignatureType.MLDSA44_SUBTREE_V1,
        RANDOM);
    LogVerifier.ofLogKeys(List.of(LOG_ED.verifierKey(), otherMl.verifierKey()))
        .verifyCheckpoint(checkpoint(5, LOG_ED).encode());
  }

  @Test
  void verifiesATlogProofAndRejectsAWrongEntry() throws Exception {
    int size = 37;
    int index = 12;
    List<Hash> path = Proofs.inclusion(TREE, index, size);
    byte[] proof = new TlogProof(null, index, path,
        checkpoint(size, LOG_ED, LOG_ML, W1, W2).encode()).encode();
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

  /**
   * Three of four witnesses, two with Ed25519 cosignature keys and two with ML-DSA-44 ones: any
   * three meet the quorum whatever their key types; two do not, and the failure names who
   * cosigned and what is missing; a bad cosignature by a fourth, unneeded witness still rejects.
   */
  @Test
  void aThreeOfFourGroupOfMixedKeyTypes() throws VerificationException {
    SignerKey ed1 = SignerKey.generate("ed1.example", SignatureType.COSIGNATURE_V1, RANDOM);
    SignerKey ed2 = SignerKey.generate("ed2.example", SignatureType.COSIGNATURE_V1, RANDOM);
    SignerKey ml1 = SignerKey.generate("ml1.example", SignatureType.MLDSA44_SUBTREE_V1, RANDOM);
    SignerKey ml2 = SignerKey.generate("ml2.example", SignatureType.MLDSA44_SUBTREE_V1, RANDOM);
    Policy policy = Policy.parse("log " + LOG_ED.verifierKey().encode() + "\n"
        + "log " + LOG_ML.verifierKey().encode() + "\n"
        + "witness E1 " + ed1.verifierKey().encode() + "\n"
        + "witness M1 " + ml1.verifierKey().encode() + "\n"
        + "witness E2 " + ed2.verifierKey().encode() + "\n"
        + "witness M2 " + ml2.verifierKey().encode() + "\n"
        + "group main 3 E1 M1 E2 M2\nquorum main\n");
    LogVerifier v = LogVerifier.of(policy);
    SignerKey[][] quorums = {{ed1, ml1, ed2}, {ed1, ml1, ml2}, {ed1, ed2, ml2}, {ml1, ed2, ml2},
        {ed1, ml1, ed2, ml2}};
    for (SignerKey[] q : quorums) {
      List<SignerKey> signers = new java.util.ArrayList<>(List.of(LOG_ED, LOG_ML));
      signers.addAll(List.of(q));
      VerifiedCheckpoint cp = v.verifyCheckpoint(
          checkpoint(42, signers.toArray(SignerKey[]::new)).encode());
      assertThat(cp.witnesses()).hasSize(q.length);
    }
    assertThatThrownBy(() -> v.verifyCheckpoint(checkpoint(42, LOG_ED, LOG_ML, ml1, ed2)
        .encode()))
        .isInstanceOfSatisfying(VerificationException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.QUORUM_NOT_MET))
        .hasMessage("quorum not met: cosigned by M1, E2; no cosignature from E1, M2;"
            + " quorum \"main\" needs 3 of E1, M1, E2, M2 and has 2");
    // Witnesses outside the policy do not count, even with the right names.
    SignerKey impostor = SignerKey.generate("ed1.example", SignatureType.COSIGNATURE_V1, RANDOM);
    assertReason(() -> v.verifyCheckpoint(
        checkpoint(42, LOG_ED, LOG_ML, impostor, ml1, ed2).encode()), Reason.QUORUM_NOT_MET);
    // Three good cosignatures and a fourth that fails: the checkpoint is refused.
    SignedNote good = checkpoint(42, LOG_ED, LOG_ML, ed1, ml1, ed2);
    NoteSignature m2 = SignedNote.sign(good.text(), List.of(ml2.signer())).signatures().get(0);
    byte[] sig = m2.signature();
    sig[20] ^= 1;
    byte[] bad = good.withSignatures(List.of(new NoteSignature(m2.name(), m2.keyId(), sig)))
        .encode();
    assertReason(() -> v.verifyCheckpoint(bad), Reason.BAD_SIGNATURE);
  }

  private static void assertReason(ThrowingCallable call, Reason reason) {
    assertThatThrownBy(call).isInstanceOfSatisfying(VerificationException.class,
        e -> assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason));
  }

}
