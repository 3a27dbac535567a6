package dev.cairn.release;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hasher;
import dev.cairn.merkle.ProofException;
import dev.cairn.merkle.ProofVerifier;
import dev.cairn.note.KeyNames;
import dev.cairn.note.NoteException;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.VerifierKey;
import dev.cairn.note.VerifierSet;
import dev.cairn.policy.Policy;
import dev.cairn.proof.TlogProof;
import dev.cairn.release.ReleaseException.Step;
import dev.cairn.verify.LogVerifier;
import dev.cairn.verify.VerificationException;
import dev.cairn.verify.VerifiedCheckpoint;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies a release bundle ({@link ReleaseBundle}) and the files it names, offline. The steps,
 * in order, each failing with a {@link ReleaseException} that names it:
 *
 * <ol>
 *   <li>the bundle is a tlog-proof whose extra data is present;
 *   <li>that extra data is a signed note signed by the release key (a signature by another key
 *       is ignored, one by the release key that fails rejects it), whose text is a {@link
 *       ReleaseManifest};
 *   <li>the inclusion proof proves that exactly those bytes are the entry at the proof's index
 *       in the tree the checkpoint names;
 *   <li>the checkpoint satisfies the policy ({@link LogVerifier#verifyProof}: trusted log keys,
 *       witness quorum): the verifier's own if given, else the manifest's {@code policy} lines,
 *       which the release key vouches for; with neither, verification fails;
 *   <li>each file's name is in the manifest, and its size and SHA-256 are those listed.
 * </ol>
 *
 * <p>Immutable and thread-safe.
 */
public final class ReleaseVerifier {
  private final Optional<VerifierKey> releaseKey;
  private final Optional<Policy> policy;

  private ReleaseVerifier(Optional<VerifierKey> releaseKey, Optional<Policy> policy) {
    this.releaseKey = releaseKey;
    this.policy = policy;
  }

  /**
   * A verifier of releases signed by {@code releaseKey}, an Ed25519 signed-note key.
   *
   * @throws IllegalArgumentException if the key is not an Ed25519 key
   */
  public static ReleaseVerifier trusting(VerifierKey releaseKey) {
    if (releaseKey.type() != SignatureType.ED25519) {
      throw new IllegalArgumentException("a release key is an Ed25519 key (type 0x01), not "
          + releaseKey.type());
    }
    return new ReleaseVerifier(Optional.of(releaseKey), Optional.empty());
  }

  /**
   * A verifier for the publisher, who signed the manifest it just logged and has no release
   * verifier key at hand: every step but the release key's signature.
   */
  public static ReleaseVerifier forPublisher() {
    return new ReleaseVerifier(Optional.empty(), Optional.empty());
  }

  /** This verifier, checking the checkpoint against {@code policy} instead of the manifest's. */
  public ReleaseVerifier withPolicy(Policy policy) {
    return new ReleaseVerifier(releaseKey, Optional.of(policy));
  }

  /**
   * Verifies {@code bundle} and then {@code files} against the manifest it carries.
   *
   * @param files the files to check, possibly none
   * @throws ReleaseException naming the step that failed and why
   */
  public VerifiedRelease verify(byte[] bundle, List<Artifact> files) throws ReleaseException {
    TlogProof proof;
    try {
      proof = TlogProof.parse(bundle);
    } catch (IllegalArgumentException e) {
      throw ReleaseException.at(Step.BUNDLE, "not a c2sp.org/tlog-proof@v1: " + e.getMessage());
    }
    byte[] entry = proof.extra().orElseThrow(() -> ReleaseException.at(Step.BUNDLE,
        "it carries no manifest (the tlog-proof has no extra line)"));
    ReleaseManifest manifest = manifest(entry);
    VerifiedCheckpoint cp = checkpoint(entry, proof, bundle, manifest);
    Set<String> seen = new HashSet<>();
    for (Artifact f : files) {
      if (!seen.add(f.name())) {
        throw ReleaseException.file(f.name(), "given twice");
      }
      check(manifest, f);
    }
    Policy used = policy.orElseGet(() -> manifest.policy().orElseThrow());
    return new VerifiedRelease(manifest, entry, proof.index(), cp, used, policy.isEmpty(),
        files);
  }

  /** Step 2: the signed manifest, signed by the release key. */
  private ReleaseManifest manifest(byte[] entry) throws ReleaseException {
    SignedNote note;
    try {
      note = SignedNote.parse(entry);
    } catch (NoteException e) {
      throw ReleaseException.at(Step.MANIFEST, e.getMessage());
    }
    if (releaseKey.isPresent()) {
      VerifierKey k = releaseKey.get();
      try {
        note.open(VerifierSet.ofKeys(List.of(k)));
      } catch (NoteException e) {
        String key = k.name() + "+" + KeyNames.hex(k.keyId());
        throw ReleaseException.at(Step.SIGNATURE,
            e.kind() == NoteException.Kind.INVALID_SIGNATURE
                ? "the release key " + key + "'s signature does not verify: the manifest was"
                    + " changed after it was signed"
                : "not signed by the release key " + key + " (" + e.getMessage() + ")");
      }
    }
    try {
      return ReleaseManifest.parse(note.text());
    } catch (IllegalArgumentException e) {
      throw ReleaseException.at(Step.MANIFEST, e.getMessage());
    }
  }

  /** Steps 3 and 4: the manifest is the entry the proof names, under a trusted checkpoint. */
  private VerifiedCheckpoint checkpoint(byte[] entry, TlogProof proof, byte[] bundle,
      ReleaseManifest manifest) throws ReleaseException {
    Checkpoint unverified;
    try {
      unverified = Checkpoint.parse(SignedNote.parse(proof.checkpoint()).text());
    } catch (NoteException | IllegalArgumentException e) {
      throw ReleaseException.at(Step.CHECKPOINT, "malformed: " + e.getMessage());
    }
    try {
      ProofVerifier.verifyInclusion(Hasher.threadLocal().leaf(entry), proof.index(),
          unverified.size(), proof.inclusion(), unverified.root());
    } catch (ProofException e) {
      throw ReleaseException.at(Step.INCLUSION, "the manifest is not entry " + proof.index()
          + " of the tree of size " + unverified.size() + " that the checkpoint signs ("
          + e.getMessage() + ")");
    }
    Optional<Policy> p = policy.isPresent() ? policy : manifest.policy();
    if (p.isEmpty()) {
      throw ReleaseException.at(Step.CHECKPOINT, "no policy: give --policy, the tlog-policy of"
          + " the log you trust (the manifest has no policy lines to fall back on)");
    }
    try {
      return LogVerifier.of(p.get()).verifyProof(entry, bundle);
    } catch (VerificationException e) {
      throw ReleaseException.at(Step.CHECKPOINT, e.getMessage() + " (policy "
          + (policy.isPresent() ? "given" : "from the manifest") + ")");
    }
  }

  /** Step 5: one file against the manifest. */
  private static void check(ReleaseManifest manifest, Artifact file) throws ReleaseException {
    Artifact listed = manifest.artifact(file.name()).orElseThrow(() -> ReleaseException.file(
        file.name(), "not in the manifest (it lists " + String.join(", ",
            manifest.artifacts().stream().map(Artifact::name).toList()) + ")"));
    if (listed.size() != file.size()) {
      throw ReleaseException.file(file.name(), "size differs from the manifest (manifest "
          + listed.size() + " bytes, file " + file.size() + " bytes)");
    }
    if (!listed.sha256().equals(file.sha256())) {
      throw ReleaseException.file(file.name(), "SHA-256 differs from the manifest (manifest"
          + " sha256:" + listed.sha256() + ", file sha256:" + file.sha256() + ")");
    }
  }
}
