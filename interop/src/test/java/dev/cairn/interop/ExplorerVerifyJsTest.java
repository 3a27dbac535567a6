package dev.cairn.interop;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The explorer's verification code ({@code /ui/verify.js}) under Node's WebCrypto, against the
 * spec test vectors the Java verifier is tested with: {@code interop/browser/verify.test.mjs}.
 */
class ExplorerVerifyJsTest {
  private static final Path REPOSITORY = NodeTests.BUILD.getParent().getParent();

  @Test
  void verifyJsAgreesWithTheSpecVectors() throws Exception {
    NodeTests.run("verify.test.mjs", false, Map.of(
        "VERIFY_JS", REPOSITORY.resolve("log/src/main/resources/dev/cairn/log/ui/verify.js")
            .toString(),
        "VECTORS", REPOSITORY.resolve("core/src/test/resources/vectors").toString()),
        List.of(
            "inclusion proofs: exactly the vectors without wantErr are accepted",
            "consistency proofs: exactly the vectors without wantErr are accepted",
            "real ECDSA P-256 checkpoints (Rekor, Pixel 6) verify, and a changed one does not",
            "the signed-note spec's Ed25519 example verifies; another key's line is absent",
            "verifier keys: a wrong key ID, length or type is refused, naming it",
            "tile paths are the spec's",
            "bundles, proofs and policies are parsed strictly",
            "the verdict is verified only when no step failed",
            "checkpoint signature: valid, changed, by another key, missing",
            "witness quorum: groups, thresholds, forged and unverifiable cosignatures",
            "policies are refused as Policy.java refuses them",
            "a key rotation, far-future cosignature times, and stricter proofs and policies"));
  }
}
