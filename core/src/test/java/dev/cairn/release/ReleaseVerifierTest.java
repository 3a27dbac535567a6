package dev.cairn.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Proofs;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.policy.Policy;
import dev.cairn.proof.TlogProof;
import dev.cairn.release.ReleaseException.Step;
import dev.cairn.testing.NaiveTree;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * Release bundles verified offline, with real signatures: a log (Ed25519 and ML-DSA-44 keys)
 * whose tree holds two signed manifests among other entries, an optional witness, and every way
 * a bundle or a file is refused, each naming its step.
 */
class ReleaseVerifierTest {
  private static final String ORIGIN = "example.com/log";
  private static final SignerKey LOG_ED = key(ORIGIN, SignatureType.ED25519, 1);
  private static final SignerKey LOG_ML = key(ORIGIN, SignatureType.MLDSA44_SUBTREE_V1, 2);
  private static final SignerKey WITNESS = key("w.example", SignatureType.COSIGNATURE_V1, 3);
  private static final SignerKey RELEASE = key("example.com/release", SignatureType.ED25519, 4);
  private static final SignerKey OTHER = key("example.com/release", SignatureType.ED25519, 5);
  private static final String LOGS = "log " + LOG_ED.verifierKey().encode() + "\nlog "
      + LOG_ML.verifierKey().encode() + "\n";
  private static final Policy NO_QUORUM = Policy.parse(LOGS + "quorum none\n");
  private static final Policy QUORUM = Policy.parse(LOGS + "witness W "
      + WITNESS.verifierKey().encode() + "\nquorum W\n");
  private static final Artifact TARBALL = new Artifact("cairn-1.0.0.tar.gz", 1000,
      "ab".repeat(32));
  private static final Artifact SBOM = new Artifact("cairn-1.0.0.cdx.json", 20, "cd".repeat(32));

  private static SignerKey key(String name, SignatureType type, int seed) {
    byte[] s = new byte[32];
    Arrays.fill(s, (byte) seed);
    return SignerKey.fromSeed(name, type, s);
  }

  /** The signed manifest of version {@code version}, with {@code policy}'s lines if given. */
  private static byte[] manifest(String version, Policy policy, SignerKey signer) {
    List<String> lines = policy == null ? List.of()
        : policy.format().lines().toList();
    String text = new ReleaseManifest(version, "f".repeat(40), List.of(TARBALL, SBOM),
        SBOM.name(), lines).format();
    return SignedNote.sign(text, List.of(signer.signer())).encode();
  }

  /** A tree of entries 0, 1, {@code at2}, 3, {@code at4}. */
  private static NaiveTree tree(byte[] at2, byte[] at4) {
    NaiveTree t = NaiveTree.ofSize(2);
    t.add(at2);
    t.add(NaiveTree.entry(3));
    t.add(at4);
    return t;
  }

  private static byte[] checkpoint(NaiveTree tree, SignerKey... signers) {
    String text = new Checkpoint(ORIGIN, tree.size(), tree.root(tree.size())).format();
    return SignedNote.sign(text, Arrays.stream(signers).map(SignerKey::signer).toList())
        .encode();
  }

  private static byte[] bundle(byte[] extra, NaiveTree tree, int index, byte[] checkpoint)
      throws Exception {
    return new TlogProof(extra, index, Proofs.inclusion(tree, index, tree.size()), checkpoint)
        .encode();
  }

  private final byte[] signed = manifest("1.0.0", NO_QUORUM, RELEASE);
  private final byte[] other = manifest("1.0.1", NO_QUORUM, RELEASE);
  private final NaiveTree tree = tree(signed, other);
  private final byte[] logged = checkpoint(tree, LOG_ED, LOG_ML);

  @Test
  void aBundleAndItsFilesVerify() throws Exception {
    byte[] b = bundle(signed, tree, 2, logged);
    VerifiedRelease r = ReleaseVerifier.trusting(RELEASE.verifierKey())
        .verify(b, List.of(TARBALL, SBOM));
    assertThat(r.manifest().version()).isEqualTo("1.0.0");
    assertThat(r.manifest().commit()).isEqualTo("f".repeat(40));
    assertThat(r.signedManifest()).isEqualTo(signed);
    assertThat(r.index()).isEqualTo(2);
    assertThat(r.checkpoint().checkpoint().size()).isEqualTo(5);
    assertThat(r.policyFromManifest()).isTrue();
    assertThat(r.policy().format()).isEqualTo(NO_QUORUM.format());
    assertThat(r.files()).containsExactly(TARBALL, SBOM);

    // The verifier's own policy, and no files: the bundle alone.
    VerifiedRelease own = ReleaseVerifier.trusting(RELEASE.verifierKey()).withPolicy(NO_QUORUM)
        .verify(b, List.of());
    assertThat(own.policyFromManifest()).isFalse();
    // The publisher, without the release verifier key.
    assertThat(ReleaseVerifier.forPublisher().verify(b, List.of()).index()).isEqualTo(2);
    // ReleaseBundle moves a log's proof's index, path and checkpoint under the manifest.
    TlogProof fromLog = new TlogProof(null, 2, Proofs.inclusion(tree, 2, 5), logged);
    assertThat(ReleaseBundle.of(signed, fromLog).encode()).isEqualTo(b);
  }

  @Test
  void aChangedFileIsRefusedWithBothDigests() throws Exception {
    byte[] b = bundle(signed, tree, 2, logged);
    Artifact changed = new Artifact(TARBALL.name(), TARBALL.size(), "ef".repeat(32));
    refused(() -> verifier().verify(b, List.of(SBOM, changed)), Step.FILE,
        "cairn-1.0.0.tar.gz: SHA-256 differs from the manifest (manifest sha256:"
            + "ab".repeat(32) + ", file sha256:" + "ef".repeat(32) + ")");
    Artifact longer = new Artifact(TARBALL.name(), 1001, TARBALL.sha256());
    refused(() -> verifier().verify(b, List.of(longer)), Step.FILE,
        "cairn-1.0.0.tar.gz: size differs from the manifest (manifest 1000 bytes, file 1001"
            + " bytes)");
    refused(() -> verifier().verify(b, List.of(SBOM, SBOM)), Step.FILE,
        "cairn-1.0.0.cdx.json: given twice");
  }

  @Test
  void aFileNotInTheManifestIsRefused() throws Exception {
    byte[] b = bundle(signed, tree, 2, logged);
    refused(() -> verifier().verify(b, List.of(new Artifact("evil.jar", 1, "00".repeat(32)))),
        Step.FILE, "evil.jar: not in the manifest (it lists cairn-1.0.0.cdx.json,"
            + " cairn-1.0.0.tar.gz)");
  }

  @Test
  void aManifestSignedByAnotherKeyIsRefused() throws Exception {
    byte[] byOther = manifest("1.0.0", NO_QUORUM, OTHER);
    NaiveTree t = tree(byOther, other);
    byte[] b = bundle(byOther, t, 2, checkpoint(t, LOG_ED, LOG_ML));
    refused(() -> verifier().verify(b, List.of()), Step.SIGNATURE,
        "manifest signature: not signed by the release key example.com/release+");
  }

  @Test
  void aTamperedManifestIsRefused() throws Exception {
    byte[] tampered = new String(signed, StandardCharsets.UTF_8)
        .replace("version 1.0.0", "version 1.0.9").getBytes(StandardCharsets.UTF_8);
    // Even logged as it is: the release key's signature fails first.
    NaiveTree t = tree(tampered, other);
    byte[] b = bundle(tampered, t, 2, checkpoint(t, LOG_ED, LOG_ML));
    refused(() -> verifier().verify(b, List.of()), Step.SIGNATURE,
        "manifest signature: the release key example.com/release+");
    assertThatThrownBy(() -> verifier().verify(b, List.of())).hasMessageEndingWith(
        "'s signature does not verify: the manifest was changed after it was signed");
    // The publisher's check, without the key, still finds it is not the logged entry.
    byte[] swapped = bundle(tampered, tree, 2, logged);
    refused(() -> ReleaseVerifier.forPublisher().verify(swapped, List.of()), Step.INCLUSION,
        "inclusion proof: the manifest is not entry 2 of the tree of size 5");
  }

  @Test
  void aProofForAnotherEntryIsRefused() throws Exception {
    // The manifest of 1.0.0 with the index and path of 1.0.1's entry.
    byte[] b = bundle(signed, tree, 4, logged);
    refused(() -> verifier().verify(b, List.of()), Step.INCLUSION,
        "inclusion proof: the manifest is not entry 4 of the tree of size 5 that the"
            + " checkpoint signs (");
  }

  @Test
  void aCheckpointWithoutTheQuorumIsRefused() throws Exception {
    byte[] b = bundle(signed, tree, 2, logged);
    refused(() -> verifier().withPolicy(QUORUM).verify(b, List.of()), Step.CHECKPOINT,
        "checkpoint: quorum not met: cosigned by no witness; no cosignature from W; quorum"
            + " \"W\" needs witness W's cosignature (policy given)");

    // The manifest's own policy asks for the witness too.
    byte[] withQuorum = manifest("1.0.0", QUORUM, RELEASE);
    NaiveTree t = tree(withQuorum, other);
    byte[] unwitnessed = bundle(withQuorum, t, 2, checkpoint(t, LOG_ED, LOG_ML));
    refused(() -> verifier().verify(unwitnessed, List.of()), Step.CHECKPOINT,
        "checkpoint: quorum not met: cosigned by no witness");
    assertThatThrownBy(() -> verifier().verify(unwitnessed, List.of()))
        .hasMessageEndingWith("(policy from the manifest)");

    byte[] witnessed = bundle(withQuorum, t, 2, checkpoint(t, LOG_ED, LOG_ML, WITNESS));
    VerifiedRelease r = verifier().verify(witnessed, List.of(TARBALL));
    assertThat(r.checkpoint().witnesses()).containsExactly("W");
  }

  @Test
  void aPolicyWhoseLogKeyDiffersIsRefused() throws Exception {
    byte[] b = bundle(signed, tree, 2, logged);
    Policy otherLog = Policy.ofLogs(List.of(key(ORIGIN, SignatureType.ED25519, 9).verifierKey()));
    refused(() -> verifier().withPolicy(otherLog).verify(b, List.of()), Step.CHECKPOINT,
        "checkpoint: untrusted: no signature by a trusted key");
  }

  @Test
  void withoutAnyPolicyNothingIsTrusted() throws Exception {
    byte[] bare = manifest("1.0.0", null, RELEASE);
    NaiveTree t = tree(bare, other);
    byte[] b = bundle(bare, t, 2, checkpoint(t, LOG_ED, LOG_ML));
    refused(() -> verifier().verify(b, List.of(TARBALL)), Step.CHECKPOINT,
        "checkpoint: no policy: give --policy");
    assertThat(verifier().withPolicy(NO_QUORUM).verify(b, List.of(TARBALL)).index())
        .isEqualTo(2);
  }

  @Test
  void aBundleThatIsNoReleaseBundleIsRefused() throws Exception {
    refused(() -> verifier().verify("garbage\n".getBytes(StandardCharsets.UTF_8), List.of()),
        Step.BUNDLE, "bundle: not a c2sp.org/tlog-proof@v1: proof must start with the line");
    byte[] plain = bundle(null, tree, 2, logged);
    refused(() -> verifier().verify(plain, List.of()), Step.BUNDLE,
        "bundle: it carries no manifest (the tlog-proof has no extra line)");
    byte[] notANote = bundle("not a note\n".getBytes(StandardCharsets.UTF_8), tree, 2, logged);
    refused(() -> verifier().verify(notANote, List.of()), Step.MANIFEST,
        "manifest: malformed note: no blank line");
    byte[] notAManifest = SignedNote.sign("release 1.0.0\n", List.of(RELEASE.signer()))
        .encode();
    NaiveTree t = tree(notAManifest, other);
    byte[] b = bundle(notAManifest, t, 2, checkpoint(t, LOG_ED, LOG_ML));
    refused(() -> verifier().verify(b, List.of()), Step.MANIFEST,
        "manifest: manifest line 1: must be \"cairn release manifest v1\"");
    assertThatThrownBy(() -> ReleaseVerifier.trusting(WITNESS.verifierKey()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a release key is an Ed25519 key");
  }

  private static ReleaseVerifier verifier() {
    return ReleaseVerifier.trusting(RELEASE.verifierKey());
  }

  private static void refused(ThrowingCallable call, Step step, String messageStart) {
    assertThatThrownBy(call).isInstanceOfSatisfying(ReleaseException.class,
        e -> assertThat(e.step()).as(e.getMessage()).isEqualTo(step))
        .hasMessageStartingWith(messageStart);
  }
}
