package dev.cairn.interop;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignerKey;
import dev.cairn.policy.Policy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The explorer's verification code ({@code /ui/verify.js}) under Node's WebCrypto, against the
 * spec test vectors the Java verifier is tested with, and against {@link Policy} itself: the same
 * policy texts, each accepted or refused by both ({@code interop/browser/verify.test.mjs}).
 */
class ExplorerVerifyJsTest {
  private static final Path REPOSITORY = NodeTests.BUILD.getParent().getParent();

  @Test
  void verifyJsAgreesWithTheSpecVectorsAndWithPolicyJava() throws Exception {
    Path cases = Files.createDirectories(NodeTests.BUILD.resolve("browser"))
        .resolve("policy-cases.json");
    Files.writeString(cases, new ObjectMapper().writeValueAsString(policyCases()));
    NodeTests.run("verify.test.mjs", false, Map.of(
        "VERIFY_JS", REPOSITORY.resolve("log/src/main/resources/dev/cairn/log/ui/verify.js")
            .toString(),
        "VECTORS", REPOSITORY.resolve("core/src/test/resources/vectors").toString(),
        "POLICY_CASES", cases.toString()),
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
            "a key rotation, far-future cosignature times, and stricter proofs and policies",
            "policies: the same verdict as Policy.java on shared cases"));
  }

  /**
   * Policy texts around one valid policy, each with Policy.java's verdict. Every one names a log
   * key: the explorer also refuses a policy without one, which Policy.java allows (a log's
   * witness policy).
   */
  private static List<Map<String, Object>> policyCases() {
    SecureRandom random = new SecureRandom();
    String log = SignerKey.generate("example.com/log", SignatureType.ED25519, random)
        .verifierKey().encode();
    String logPq = SignerKey.generate("example.com/log", SignatureType.MLDSA44_SUBTREE_V1,
        random).verifierKey().encode();
    String w1 = SignerKey.generate("w1.example", SignatureType.COSIGNATURE_V1, random)
        .verifierKey().encode();
    String w1pq = SignerKey.generate("w1.example", SignatureType.MLDSA44_SUBTREE_V1, random)
        .verifierKey().encode();
    String w2 = SignerKey.generate("w2.example", SignatureType.COSIGNATURE_V1, random)
        .verifierKey().encode();
    String head = "log " + log + "\nlog " + logPq + " https://log.example/\n";
    String witnesses = "witness a " + w1 + " https://w1.example/\nwitness a-pq " + w1pq
        + "\nwitness b " + w2 + "\n";
    List<String> texts = new ArrayList<>(List.of(
        head + witnesses + "group a-both all a a-pq\ngroup g 1 a-both b\nquorum g\n",
        head + witnesses + "group g any a b\nquorum g\n",
        head + "quorum none\n",
        "# a comment\n\n" + head + "\t quorum none \t\n",
        head + witnesses + "group g 2 a b\nquorum g\n",
        head + witnesses + "group g 3 a b\nquorum g\n",
        head + witnesses + "group g 0 a b\nquorum g\n",
        head + witnesses + "group g 01 a b\nquorum g\n",
        head + witnesses + "group g ALL a b\nquorum g\n",
        head + witnesses + "group g 10000 a b\nquorum g\n",
        head + witnesses + "group g any a a\nquorum g\n",
        head + witnesses + "group g1 any a\ngroup g2 any a b\nquorum g2\n",
        head + witnesses + "group g any a c\nquorum g\n",
        head + witnesses + "quorum c\n",
        head + witnesses + "quorum a\nquorum b\n",
        head + witnesses,
        head + "witness none " + w1 + "\nquorum none\n",
        head + "witness a " + w1 + "\nwitness a " + w2 + "\nquorum a\n",
        head + "witness a " + w1 + "\nwitness b " + w1 + "\nquorum a\n",
        head + "log " + log + "\nquorum none\n",
        head + "witness a " + log + "\nquorum a\n",
        "log " + w1 + "\nquorum none\n",
        head + "witness a\nquorum none\n",
        head + "witness a " + w1 + " url extra\nquorum a\n",
        head + "log\nquorum none\n",
        head + "quorum\n",
        head + "frobnicate x\nquorum none\n",
        head + "quorum none\r\n",
        "# note\u0001\n" + head + "quorum none\n",
        head + "\u00a0quorum none\n",
        head + "quorum none none\n",
        head + "witness a " + w1.replaceFirst("\\+[0-9a-f]{8}\\+", "+00000000+") + "\nquorum a\n",
        head + "witness a " + w1.substring(0, w1.length() - 4) + "\nquorum a\n",
        head + "group g any\nquorum none\n"));
    List<Map<String, Object>> out = new ArrayList<>();
    for (String text : texts) {
      boolean accepted;
      try {
        Policy.parse(text.getBytes(StandardCharsets.UTF_8));
        accepted = true;
      } catch (IllegalArgumentException e) {
        accepted = false;
      }
      out.add(Map.of("text", text, "java", accepted));
    }
    return out;
  }
}
