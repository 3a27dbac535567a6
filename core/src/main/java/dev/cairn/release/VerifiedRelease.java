package dev.cairn.release;

import dev.cairn.policy.Policy;
import dev.cairn.verify.VerifiedCheckpoint;
import java.util.List;

/**
 * A release whose bundle passed {@link ReleaseVerifier#verify}.
 *
 * @param manifest the signed manifest's content
 * @param signedManifest the signed manifest's bytes: the log entry
 * @param index the manifest's index in the log
 * @param checkpoint the checkpoint the manifest is included in, verified against {@code policy}
 * @param policy the policy the checkpoint satisfied
 * @param policyFromManifest whether that policy came from the manifest's {@code policy} lines
 *     (vouched for by the release key) rather than from the verifier
 * @param files the files that matched the manifest, in the order given
 */
public record VerifiedRelease(ReleaseManifest manifest, byte[] signedManifest, long index,
    VerifiedCheckpoint checkpoint, Policy policy, boolean policyFromManifest,
    List<Artifact> files) {
  /** Copies the bytes and the list. */
  public VerifiedRelease {
    signedManifest = signedManifest.clone();
    files = List.copyOf(files);
  }

  @Override
  public byte[] signedManifest() {
    return signedManifest.clone();
  }
}
