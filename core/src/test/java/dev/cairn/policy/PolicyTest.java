package dev.cairn.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.note.SignatureType;
import dev.cairn.note.SignerKey;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PolicyTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  private static String vkey(String name, SignatureType t) {
    return SignerKey.generate(name, t, RANDOM).verifierKey().encode();
  }

  private static final String LOG = vkey("example.com/log", SignatureType.ED25519);
  private static final String[] W = new String[6];

  static {
    for (int i = 0; i < W.length; i++) {
      W[i] = vkey("w" + i + ".example", SignatureType.COSIGNATURE_V1);
    }
  }

  /** The spec's example: two groups of three, 2-of-X and any-of-Y, both required. */
  private static final String EXAMPLE = """
      # comment
      log %s https://log.example/

      witness X1 %s
      witness X2 %s
      \twitness X3 %s\t
      group X-witnesses 2 X1 X2 X3

      witness Y1 %s
      witness Y2 %s
      witness Y3 %s https://y3.example/
      group Y-witnesses any Y1 Y2 Y3

      group X-and-Y all X-witnesses Y-witnesses
      quorum X-and-Y
      """.formatted(LOG, W[0], W[1], W[2], W[3], W[4], W[5]);

  @Test
  void evaluatesTheSpecExample() {
    Policy p = Policy.parse(EXAMPLE);
    assertThat(p.logs()).singleElement().satisfies(l -> {
      assertThat(l.key().name()).isEqualTo("example.com/log");
      assertThat(l.url()).hasValue("https://log.example/");
    });
    assertThat(p.witnesses()).containsOnlyKeys("X1", "X2", "X3", "Y1", "Y2", "Y3");
    assertThat(p.quorumMet(Set.of("X1", "X2", "Y3"))).isTrue();
    assertThat(p.quorumMet(Set.of("X1", "X2", "X3", "Y1", "Y2", "Y3"))).isTrue();
    assertThat(p.quorumMet(Set.of("X1", "Y1", "Y2", "Y3"))).isFalse();
    assertThat(p.quorumMet(Set.of("X1", "X3"))).isFalse();
    assertThat(p.quorumMet(Set.of())).isFalse();
    assertThat(Policy.parse(p.format()).format()).isEqualTo(p.format());
    assertThat(Policy.parse(p.format().getBytes(StandardCharsets.UTF_8)).quorumMet(
        Set.of("X2", "X3", "Y1"))).isTrue();
  }

  /** A person reading a failure learns each group that falls short, outermost first. */
  @Test
  void theShortfallNamesEachGroupThatFallsShort() {
    Policy p = Policy.parse(EXAMPLE);
    assertThat(p.shortfall(Set.of("X1", "Y2"))).containsExactly(
        "quorum \"X-and-Y\" needs 2 of X-witnesses, Y-witnesses and has 1",
        "group \"X-witnesses\" needs 2 of X1, X2, X3 and has 1");
    assertThat(p.shortfall(Set.of())).containsExactly(
        "quorum \"X-and-Y\" needs 2 of X-witnesses, Y-witnesses and has 0",
        "group \"X-witnesses\" needs 2 of X1, X2, X3 and has 0",
        "group \"Y-witnesses\" needs 1 of Y1, Y2, Y3 and has 0");
    assertThat(p.shortfall(Set.of("X1", "X3", "Y1"))).isEmpty();
    Policy one = Policy.parse("log " + LOG + "\nwitness A " + W[0] + "\nquorum A\n");
    assertThat(one.shortfall(Set.of())).containsExactly(
        "quorum \"A\" needs witness A's cosignature");
  }

  @Test
  void quorumOfOneWitnessOrNone() {
    Policy one = Policy.parse("log " + LOG + "\nwitness A " + W[0] + "\nquorum A\n");
    assertThat(one.quorumMet(Set.of("A"))).isTrue();
    assertThat(one.quorumMet(Set.of())).isFalse();
    Policy none = Policy.parse("log " + LOG + "\nquorum none\n");
    assertThat(none.quorumMet(Set.of())).isTrue();
  }

  @Test
  void rejectsBadPoliciesNamingTheLine() {
    String w = "witness A " + W[0] + "\nwitness B " + W[1] + "\n";
    String[][] bad = {
        {"log " + LOG + "\n", "no quorum line"},
        {"quorum none\nquorum none\n", "line 2: a policy has exactly one quorum line"},
        {"quorum A\n" + w, "line 1: quorum \"A\" is not defined"},
        {w + "group G 3 A B\nquorum G\n", "line 3: threshold 3 is more than the 2 members"},
        {w + "group G 0 A B\nquorum G\n", "line 3: threshold must be at least 1"},
        {w + "group G 01 A B\nquorum G\n", "threshold must be"},
        {w + "group G any\nquorum G\n", "expected: group"},
        {w + "group G any A C\nquorum G\n", "\"C\" is not defined"},
        {w + "group G any A A\nquorum G\n", "already a member"},
        {w + "group G any A\ngroup H any A B\nquorum H\n", "line 4: \"A\" is already a member"},
        {w + "witness A " + W[2] + "\nquorum A\n", "line 3: name \"A\" is already defined"},
        {"witness none " + W[0] + "\nquorum none\n", "reserved"},
        {w + "witness C " + W[0] + "\nquorum A\n", "public key already listed"},
        {"log " + LOG + "\nlog " + LOG + "\nquorum none\n", "line 2: public key already listed"},
        {w + "witness C " + renamed(W[1], "c.example") + "\nquorum A\n",
            "line 3: public key already listed as w1.example"},
        {w + "group G any A B\nquorum G\nquorum A\n", "line 5: a policy has exactly one quorum"},
        {w + "group G all\nquorum G\n", "line 3: expected: group"},
        {w + "group G any B\ngroup G any A\nquorum G\n", "line 4: name \"G\" is already"},
        {w + "quorum G\n", "line 3: quorum \"G\" is not defined"},
        {"log " + W[0] + "\nquorum none\n", "a log key must be"},
        {"witness A " + LOG + "\nquorum none\n", "a witness key must be"},
        {"log notakey\nquorum none\n", "line 1: verifier key"},
        {"logs " + LOG + "\nquorum none\n", "unknown keyword \"logs\""},
        {"log " + LOG + " url extra\nquorum none\n", "expected: log"},
    };
    for (String[] b : bad) {
      assertThatThrownBy(() -> Policy.parse(b[0])).as(b[0])
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(b[1]);
    }
    assertThatThrownBy(() -> Policy.parse(new byte[] {'q', 0x0d, '\n'}))
        .hasMessageContaining("forbidden byte 0x0d");
    assertThatThrownBy(() -> Policy.parse(new byte[] {'q', (byte) 0xff, '\n'}))
        .hasMessageContaining("UTF-8");
  }

  /** The same public key under another key name (and so another key ID). */
  private static String renamed(String vkey, String name) {
    dev.cairn.note.VerifierKey k = dev.cairn.note.VerifierKey.parse(vkey);
    return new dev.cairn.note.VerifierKey(name, k.type(), k.publicKey()).encode();
  }

  @Test
  void acceptsTheSpecsRecommended32LogsWitnessesAndGroups() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 32; i++) {
      sb.append("log ").append(vkey("log" + i + ".example/log",
          i % 2 == 0 ? SignatureType.ED25519 : SignatureType.MLDSA44_SUBTREE_V1)).append('\n');
    }
    for (int i = 0; i < 32; i++) {
      sb.append("witness W").append(i).append(' ')
          .append(vkey("w" + i + ".example", SignatureType.COSIGNATURE_V1))
          .append(" https://w").append(i).append(".example/\n");
    }
    // 31 pairs of groups, then one over 31 of them: 32 groups.
    for (int i = 0; i < 31; i++) {
      sb.append("group G").append(i).append(" any W").append(i).append('\n');
    }
    sb.append("group TOP 16");
    for (int i = 0; i < 31; i++) {
      sb.append(" G").append(i);
    }
    sb.append(" W31\nquorum TOP\n");
    Policy p = Policy.parse(sb.toString());
    assertThat(p.logs()).hasSize(32);
    assertThat(p.witnesses()).hasSize(32);
    assertThat(p.groups()).hasSize(32);
    Set<String> half = new java.util.HashSet<>();
    for (int i = 0; i < 15; i++) {
      half.add("W" + i);
    }
    assertThat(p.quorumMet(half)).isFalse();
    half.add("W31");
    assertThat(p.quorumMet(half)).isTrue();
    assertThat(Policy.parse(p.format()).format()).isEqualTo(p.format());
  }
}
