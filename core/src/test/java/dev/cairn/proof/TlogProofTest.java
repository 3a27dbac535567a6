package dev.cairn.proof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TlogProofTest {
  private static final String CP = "example.com/log\n3\n" + Hasher.emptyRoot().toBase64()
      + "\n\n\u2014 example.com/log AAAAAAAA\n";
  private static final Hash H1 = Hasher.threadLocal().leaf(new byte[] {1});
  private static final Hash H2 = Hasher.threadLocal().leaf(new byte[] {2});

  @Test
  void roundTripsWithAndWithoutExtra() {
    TlogProof p = new TlogProof(new byte[] {9, 8, 7}, 73894, List.of(H1, H2), bytes(CP));
    String text = new String(p.encode(), StandardCharsets.UTF_8);
    assertThat(text).isEqualTo("c2sp.org/tlog-proof@v1\nextra CQgH\nindex 73894\n"
        + H1.toBase64() + "\n" + H2.toBase64() + "\n\n" + CP);
    TlogProof back = TlogProof.parse(p.encode());
    assertThat(back.extra()).hasValueSatisfying(e -> assertThat(e).containsExactly(9, 8, 7));
    assertThat(back.index()).isEqualTo(73894);
    assertThat(back.inclusion()).containsExactly(H1, H2);
    assertThat(back.checkpoint()).isEqualTo(bytes(CP));

    TlogProof bare = TlogProof.parse(bytes("c2sp.org/tlog-proof@v1\nindex 0\n\n" + CP));
    assertThat(bare.extra()).isEmpty();
    assertThat(bare.inclusion()).isEmpty();
    assertThat(bare.encode()).isEqualTo(bytes("c2sp.org/tlog-proof@v1\nindex 0\n\n" + CP));
  }

  @Test
  void rejectsMalformedProofs() {
    String h = H1.toBase64();
    String[][] bad = {
        {"c2sp.org/tlog-proof@v2\nindex 0\n\n" + CP, "must start with the line"},
        {"c2sp.org/tlog-proof@v1\nindex 01\n\n" + CP, "canonical decimal"},
        {"c2sp.org/tlog-proof@v1\nindex -1\n\n" + CP, "canonical decimal"},
        {"c2sp.org/tlog-proof@v1\nindex 99999999999999999999\n\n" + CP, "canonical decimal"},
        {"c2sp.org/tlog-proof@v1\nidx 0\n\n" + CP, "\"index <n>\""},
        {"c2sp.org/tlog-proof@v1\nextra !!\nindex 0\n\n" + CP, "extra data"},
        {"c2sp.org/tlog-proof@v1\nextra \nindex 0\n\n" + CP, "extra data"},
        {"c2sp.org/tlog-proof@v1\nindex 0\nextra CQgH\n\n" + CP, "line 3"},
        {"c2sp.org/tlog-proof@v1\nindex 0\n" + h.substring(1) + "\n\n" + CP, "line 3"},
        {"c2sp.org/tlog-proof@v1\nindex 0\n" + (h + "\n").repeat(64) + "\n" + CP, "63"},
        {"c2sp.org/tlog-proof@v1\nindex 0\n" + h + "\n", "ends before the blank line"},
        {"c2sp.org/tlog-proof@v1\nindex 0\n\n", "no checkpoint"},
    };
    for (String[] b : bad) {
      assertThatThrownBy(() -> TlogProof.parse(bytes(b[0]))).as(b[0])
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(b[1]);
    }
    assertThatThrownBy(() -> TlogProof.parse(new byte[] {(byte) 0xff}))
        .hasMessageContaining("UTF-8");
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
