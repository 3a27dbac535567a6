package dev.cairn.tile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class BundlesTest {
  @Test
  void encodingIsUint16BigEndianLengthPrefixes() {
    byte[] b = Bundles.encode(List.of(new byte[] {1, 2, 3}, new byte[0], new byte[300]));
    assertThat(HexFormat.of().formatHex(b, 0, 8)).isEqualTo("0003010203000001");
    assertThat(b).hasSize(5 + 2 + 2 + 300);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Bundles.append(out, new byte[] {1, 2, 3});
    Bundles.append(out, new byte[0]);
    Bundles.append(out, new byte[300]);
    assertThat(out.toByteArray()).isEqualTo(b);
  }

  @Test
  void largestEntryFitsAndOneMoreByteDoesNot() {
    byte[] max = new byte[65_535];
    assertThat(Bundles.decode(Bundles.encode(List.of(max)), 1).get(0)).hasSize(65_535);
    assertThatThrownBy(() -> Bundles.encode(List.of(new byte[65_536])))
        .hasMessageContaining("larger than 65535");
  }

  @Test
  void decodingIsStrict() {
    byte[] two = Bundles.encode(List.of(new byte[] {7}, new byte[] {8, 9}));
    assertThat(Bundles.decode(two, 2)).hasSize(2);
    assertThatThrownBy(() -> Bundles.decode(two, 3)).hasMessageContaining("holds 2 entries, expected 3");
    assertThatThrownBy(() -> Bundles.decode(two, 1)).hasMessageContaining("more than 1 entries");
    assertThatThrownBy(() -> Bundles.decodeAtMost(new byte[] {0}, 5))
        .hasMessageContaining("entry 0 is cut off in its length prefix");
    assertThatThrownBy(() -> Bundles.decodeAtMost(new byte[] {0, 3, 1, 2}, 5))
        .hasMessageContaining("entry 0 claims 3 bytes but only 2 remain");
    byte[] trailing = new byte[two.length + 1];
    System.arraycopy(two, 0, trailing, 0, two.length);
    assertThatThrownBy(() -> Bundles.decodeAtMost(trailing, 5))
        .hasMessageContaining("entry 2 is cut off");
    assertThat(Bundles.decodeAtMost(new byte[0], 5)).isEmpty();
  }

  @Test
  void prefixesCutANarrowerBundleOutOfAWiderOne() {
    byte[] three = Bundles.encode(List.of(new byte[] {1}, new byte[] {2, 2}, new byte[] {3}));
    assertThat(Bundles.prefixLength(three, 0)).isZero();
    assertThat(Bundles.prefixLength(three, 2)).isEqualTo(3 + 4);
    assertThat(Bundles.decodePrefix(three, 2)).hasSize(2);
    assertThat(Bundles.decodePrefix(three, 2).get(1)).containsExactly(2, 2);
    assertThatThrownBy(() -> Bundles.prefixLength(three, 4))
        .hasMessageContaining("holds 3 entries, expected at least 4");
    assertThatThrownBy(() -> Bundles.prefixLength(new byte[] {0, 9, 1}, 1))
        .hasMessageContaining("claims 9 bytes");
  }

  @Property
  void roundTrips(@ForAll @Size(max = 40) List<@Size(max = 700) List<Byte>> entries) {
    List<byte[]> in = new ArrayList<>();
    for (List<Byte> e : entries) {
      byte[] b = new byte[e.size()];
      for (int i = 0; i < b.length; i++) {
        b[i] = e.get(i);
      }
      in.add(b);
    }
    List<byte[]> out = Bundles.decode(Bundles.encode(in), in.size());
    assertThat(out).hasSameSizeAs(in);
    for (int i = 0; i < in.size(); i++) {
      assertThat(out.get(i)).isEqualTo(in.get(i));
    }
  }
}
