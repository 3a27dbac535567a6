package dev.cairn.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.merkle.Hash;
import java.util.List;
import org.junit.jupiter.api.Test;

class CheckpointTest {
  private static final String ROOT = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";

  @Test
  void parsesAndFormatsTheSpecExample() {
    String text = "example.com/behind-the-sofa\n20852163\n" + ROOT + "\n";
    Checkpoint c = Checkpoint.parse(text);
    assertThat(c.origin()).isEqualTo("example.com/behind-the-sofa");
    assertThat(c.size()).isEqualTo(20852163);
    assertThat(c.root()).isEqualTo(Hash.fromBase64(ROOT));
    assertThat(c.extensions()).isEmpty();
    assertThat(c.format()).isEqualTo(text);
  }

  @Test
  void keepsExtensionLines() {
    String text = "o\n0\n" + ROOT + "\nfirst ext\nsecond\n";
    Checkpoint c = Checkpoint.parse(text);
    assertThat(c.extensions()).containsExactly("first ext", "second");
    assertThat(c.format()).isEqualTo(text);
  }

  @Test
  void rejectsWhatIsNotCanonical() {
    String[][] bad = {
        {"o\n1\n" + ROOT, "end with a newline"},
        {"o\n1\n", "origin, size and root"},
        {"\n1\n" + ROOT + "\n", "origin must not be empty"},
        {"o\n01\n" + ROOT + "\n", "not a canonical decimal"},
        {"o\n-1\n" + ROOT + "\n", "not a canonical decimal"},
        {"o\n+1\n" + ROOT + "\n", "not a canonical decimal"},
        {"o\n1 \n" + ROOT + "\n", "not a canonical decimal"},
        {"o\n\n" + ROOT + "\n", "not a canonical decimal"},
        {"o\n9223372036854775808\n" + ROOT + "\n", "too large"},
        {"o\n99999999999999999999\n" + ROOT + "\n", "not a canonical decimal"},
        {"o\n1\n" + ROOT.substring(1) + "\n", "root"},
        {"o\n1\n" + ROOT + "\n\n", "extension line must not be empty"},
        {"o\n1\n" + ROOT + "\n" + "e\n".repeat(17), "more than 16 extension lines"},
        {"o\t\n1\n" + ROOT + "\n", "control character"},
    };
    for (String[] b : bad) {
      assertThatThrownBy(() -> Checkpoint.parse(b[0])).as(b[0])
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(b[1]);
    }
  }

  @Test
  void theLargestSizeParses() {
    assertThat(Checkpoint.parse("o\n9223372036854775807\n" + ROOT + "\n").size())
        .isEqualTo(Long.MAX_VALUE);
    assertThat(new Checkpoint("o", 5, Hash.fromBase64(ROOT), List.of("x")).format())
        .endsWith("\nx\n");
  }
}
