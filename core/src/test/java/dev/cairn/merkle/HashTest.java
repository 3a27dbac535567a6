package dev.cairn.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HashTest {
  @Test
  void emptyRootIsSha256OfNothing() {
    assertThat(Hasher.emptyRoot().toHex())
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }

  @Test
  void leafAndNodeHashesFollowRfc9162() {
    // RFC 6962 test vectors (as in transparency-dev/merkle): leaf hash of the empty entry, and
    // the root of the tree of the first two entries.
    Hasher h = new Hasher();
    assertThat(h.leaf(new byte[0]).toHex())
        .isEqualTo("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
    Hash l0 = h.leaf(new byte[0]);
    Hash l1 = h.leaf(new byte[] {0x00});
    assertThat(h.node(l0, l1).toHex())
        .isEqualTo("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125");
  }

  @Test
  void intoMethodsAgreeWithAllocatingOnesAndMayOverlap() {
    Hasher h = new Hasher();
    byte[] entry = "hello".getBytes(StandardCharsets.UTF_8);
    byte[] buf = new byte[96];
    h.leafInto(entry, 0, entry.length, buf, 0);
    assertThat(Hash.copyOf(buf, 0)).isEqualTo(h.leaf(entry));
    h.leafInto(entry, 1, 3, buf, 32);
    assertThat(Hash.copyOf(buf, 32)).isEqualTo(h.leaf("ell".getBytes(StandardCharsets.UTF_8)));
    Hash expected = h.node(Hash.copyOf(buf, 0), Hash.copyOf(buf, 32));
    h.nodeInto(buf, 0, buf, 32, buf, 0);
    assertThat(Hash.copyOf(buf, 0)).isEqualTo(expected);
  }

  @Test
  void parsingIsStrict() {
    String good = Hasher.emptyRoot().toBase64();
    assertThat(Hash.fromBase64(good)).isEqualTo(Hasher.emptyRoot());
    assertThatThrownBy(() -> Hash.fromBase64(good.substring(0, 43)))
        .hasMessageContaining("44 characters");
    assertThatThrownBy(() -> Hash.fromBase64(good.substring(0, 42) + "V="))
        .hasMessageContaining("canonical");
    assertThatThrownBy(() -> Hash.fromBase64(good.substring(0, 43) + "!"))
        .hasMessageContaining("base64");
    assertThatThrownBy(() -> Hash.of(new byte[31])).hasMessageContaining("32 bytes");
    assertThatThrownBy(() -> Hash.copyOf(new byte[40], 9)).hasMessageContaining("32 bytes");
  }
}
