package dev.cairn.release;

import dev.cairn.proof.TlogProof;

/**
 * A release bundle ({@code cairn-VERSION.proof}): a {@code c2sp.org/tlog-proof@v1} whose entry is
 * the signed manifest, carried verbatim as the proof's extra data, so that one file holds the
 * manifest, its inclusion proof and the log's (cosigned) checkpoint.
 */
public final class ReleaseBundle {
  private ReleaseBundle() {}

  /**
   * The bundle of {@code signedManifest} from the log's tlog-proof for it (whose own extra data,
   * if any, is dropped). Nothing is verified here: see {@link ReleaseVerifier}.
   */
  public static TlogProof of(byte[] signedManifest, TlogProof logProof) {
    return new TlogProof(signedManifest, logProof.index(), logProof.inclusion(),
        logProof.checkpoint());
  }
}
