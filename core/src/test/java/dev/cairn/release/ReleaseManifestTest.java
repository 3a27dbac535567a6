package dev.cairn.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.note.SignatureType;
import dev.cairn.note.SignerKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The manifest format: canonical round trips, and each malformed line refused by number. */
class ReleaseManifestTest {
  static final String LOG_KEY = SignerKey.fromSeed("example.com/log", SignatureType.ED25519,
      new byte[32]).verifierKey().encode();
  static final String SHA_A = "a".repeat(64);
  static final String SHA_B = "b".repeat(64);
  static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
  static final String TEXT = """
      cairn release manifest v1
      version 1.2.3
      commit 0123456789abcdef0123456789abcdef01234567
      artifact cairn-1.2.3.tar.gz 1234 sha256:%s
      artifact sbom.cdx.json 0 sha256:%s
      sbom sbom.cdx.json
      policy log %s
      policy quorum none
      """.formatted(SHA_A, SHA_B, LOG_KEY);

  @TempDir Path dir;

  @Test
  void parsesAndFormatsBackByteForByte() {
    ReleaseManifest m = ReleaseManifest.parse(TEXT);
    assertThat(m.version()).isEqualTo("1.2.3");
    assertThat(m.commit()).isEqualTo(COMMIT);
    assertThat(m.artifacts()).containsExactly(
        new Artifact("cairn-1.2.3.tar.gz", 1234, SHA_A), new Artifact("sbom.cdx.json", 0, SHA_B));
    assertThat(m.sbom()).isEqualTo("sbom.cdx.json");
    assertThat(m.policyLines()).containsExactly("log " + LOG_KEY, "quorum none");
    assertThat(m.policy().orElseThrow().logs()).singleElement()
        .satisfies(l -> assertThat(l.key().encode()).isEqualTo(LOG_KEY));
    assertThat(m.format()).isEqualTo(TEXT);
    assertThat(m.artifact("sbom.cdx.json")).contains(m.artifacts().get(1));
    assertThat(m.artifact("other")).isEmpty();
  }

  @Test
  void aManifestWithoutPolicyLinesHasNoPolicy() {
    String text = TEXT.substring(0, TEXT.indexOf("policy "));
    ReleaseManifest m = ReleaseManifest.parse(text);
    assertThat(m.policy()).isEmpty();
    assertThat(m.format()).isEqualTo(text);
  }

  @Test
  void theConstructorSortsArtifactsAndFormatsCanonically() {
    ReleaseManifest m = new ReleaseManifest("1.2.3", COMMIT, List.of(
        new Artifact("sbom.cdx.json", 0, SHA_B), new Artifact("cairn-1.2.3.tar.gz", 1234, SHA_A)),
        "sbom.cdx.json", List.of("log " + LOG_KEY, "quorum none"));
    assertThat(m.format()).isEqualTo(TEXT);
  }

  @Test
  void theConstructorRefusesWhatTheFormatCannotSay() {
    Artifact a = new Artifact("a", 1, SHA_A);
    assertThatThrownBy(() -> new ReleaseManifest("1", COMMIT, List.of(a, a), "a", List.of()))
        .hasMessage("artifact a is listed twice");
    assertThatThrownBy(() -> new ReleaseManifest("1", COMMIT, List.of(), "a", List.of()))
        .hasMessage("a manifest lists at least one artifact");
    assertThatThrownBy(() -> new ReleaseManifest("1", COMMIT, List.of(a), "b", List.of()))
        .hasMessage("the sbom \"b\" is not one of the artifacts a");
    assertThatThrownBy(() -> new ReleaseManifest("1 2", COMMIT, List.of(a), "a", List.of()))
        .hasMessageContaining("version must be");
    assertThatThrownBy(() -> new ReleaseManifest("1", COMMIT, List.of(a), "a",
        List.of("quorum none"))).hasMessageContaining("the policy names no log");
    assertThatThrownBy(() -> new ReleaseManifest("1", COMMIT, List.of(a), "a",
        List.of("log " + LOG_KEY + "\nquorum none")))
        .hasMessage("a policy line holds no control characters");
    assertThatThrownBy(() -> new Artifact("..", 1, SHA_A)).hasMessageContaining("not \".\"");
    assertThatThrownBy(() -> new Artifact("a/b", 1, SHA_A))
        .hasMessageContaining("artifact name \"a/b\"");
    assertThatThrownBy(() -> new Artifact("a", 1, SHA_A.toUpperCase()))
        .hasMessageContaining("64 lowercase hex");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', ignoreLeadingAndTrailingWhitespace = false, value = {
      "wrong header|cairn release manifest v1|cairn release manifest v2|"
          + "manifest line 1: must be \"cairn release manifest v1\"",
      "empty version|version 1.2.3|version |manifest line 2: version must be 1 to 64",
      "version with a space|version 1.2.3|version 1.2 3|manifest line 2: version must be",
      "uppercase commit|commit 0123456789abcdef|commit 0123456789ABCDEF|"
          + "manifest line 3: commit must be 40 lowercase hex digits",
      "commit missing|commit 0123456789abcdef0123456789abcdef01234567\\n||"
          + "manifest line 3: expected \"commit ...\", got \"artifact",
      "leading zero size|1234 sha256|01234 sha256|manifest line 4: size of cairn-1.2.3.tar.gz"
          + " is not a canonical decimal",
      "signed size|1234 sha256|+1234 sha256|manifest line 4: size of cairn-1.2.3.tar.gz",
      "huge size|1234 sha256|99999999999999999999 sha256|manifest line 4: size of",
      "uppercase sha|sha256:aaaa|sha256:AAAA|manifest line 4: SHA-256 of cairn-1.2.3.tar.gz",
      "sha1 digest|1234 sha256:|1234 sha1:|manifest line 4: expected \"artifact <name>",
      "two spaces|.tar.gz 1234|.tar.gz  1234|manifest line 4: expected \"artifact <name>",
      "unsorted|artifact sbom.cdx.json|artifact a.json|manifest line 5: artifact a.json comes"
          + " after cairn-1.2.3.tar.gz: artifacts are sorted by name",
      "duplicate|artifact sbom.cdx.json 0|artifact cairn-1.2.3.tar.gz 0|"
          + "manifest line 5: artifact cairn-1.2.3.tar.gz is listed twice",
      "dot dot name|artifact sbom.cdx.json|artifact ..|manifest line 5: artifact name \"..\"",
      "slash in name|artifact sbom.cdx.json|artifact x/sbom.cdx.json|manifest line 5: "
          + "artifact name \"x/sbom.cdx.json\"",
      "sbom not listed|sbom sbom.cdx.json|sbom other.json|"
          + "manifest line 6: the sbom \"other.json\" is not one of the artifacts",
      "two sboms|sbom sbom.cdx.json|sbom sbom.cdx.json\\nsbom sbom.cdx.json|"
          + "manifest line 7: expected \"policy ...\", got \"sbom sbom.cdx.json\"",
      "blank line|sbom sbom.cdx.json\\n|sbom sbom.cdx.json\\n\\n|"
          + "manifest line 7: expected \"policy ...\", got \"\"",
      "unknown line|policy quorum none|policy quorum none\\nsignature x|"
          + "manifest line 9: expected \"policy ...\", got \"signature x\"",
      "comment policy line|policy quorum none|policy # no|manifest line 8: a policy line is",
      "trailing space|policy quorum none|policy quorum none |manifest line 8: a policy line is",
      "bad policy|policy quorum none|policy quorum all|manifest lines 7-8 (policy): policy"
          + " line 2: quorum \"all\" is not defined on an earlier line",
      "no log in policy|policy log |policy witness |manifest lines 7-8 (policy): policy line 1:",
      "crlf|version 1.2.3\\n|version 1.2.3\\r\\n|manifest line 2: version must be"})
  void refusesAMalformedManifestNamingTheLine(String what, String from, String to,
      String message) {
    // "\\n" and "\\r" in the table are a newline and a carriage return.
    String bad = TEXT.replace(from.replace("\\n", "\n"),
        to == null ? "" : to.replace("\\n", "\n").replace("\\r", "\r"));
    assertThat(bad).as("the replacement applies").isNotEqualTo(TEXT);
    assertThatThrownBy(() -> ReleaseManifest.parse(bad))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(message);
  }

  @Test
  void refusesStructuralProblems() {
    assertThatThrownBy(() -> ReleaseManifest.parse(TEXT.strip()))
        .hasMessage("manifest does not end with a newline");
    assertThatThrownBy(() -> ReleaseManifest.parse("cairn release manifest v1\nversion 1\n"))
        .hasMessage("manifest line 3: missing: expected \"commit ...\" after the last line");
    String noArtifacts = "cairn release manifest v1\nversion 1\ncommit " + COMMIT
        + "\nsbom a\n";
    assertThatThrownBy(() -> ReleaseManifest.parse(noArtifacts))
        .hasMessage("manifest line 4: expected \"artifact ...\", got \"sbom a\"");
    String noSbom = TEXT.substring(0, TEXT.indexOf("sbom "));
    assertThatThrownBy(() -> ReleaseManifest.parse(noSbom))
        .hasMessage("manifest line 6: missing: expected \"sbom ...\" after the last line");
    String huge = TEXT + "policy quorum none\n".repeat(4000);
    assertThatThrownBy(() -> ReleaseManifest.parse(huge))
        .hasMessageContaining("more than the " + ReleaseManifest.MAX_SIZE + " allowed");
  }

  @Test
  void anArtifactIsHashedFromItsFile() throws Exception {
    Path f = dir.resolve("hello.txt");
    Files.writeString(f, "hello\n", StandardCharsets.UTF_8);
    assertThat(Artifact.of(f)).isEqualTo(new Artifact("hello.txt", 6,
        "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"));
    Path bad = dir.resolve("with space");
    Files.writeString(bad, "x");
    assertThatThrownBy(() -> Artifact.of(bad)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("artifact name \"with space\"");
  }
}
