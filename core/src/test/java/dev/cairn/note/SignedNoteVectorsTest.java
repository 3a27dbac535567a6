package dev.cairn.note;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The facts of {@code vectors/signed-note.txt} (C2SP signed-note and Go's sumdb/note). */
class SignedNoteVectorsTest {
  private static final Map<String, String> V = new HashMap<>();
  private static String text;
  private static String peterLine;
  private static String enochLine;

  @BeforeAll
  static void load() throws IOException {
    String all;
    try (InputStream in = SignedNoteVectorsTest.class.getResourceAsStream(
        "/vectors/signed-note.txt")) {
      all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    List<String> lines = all.lines().toList();
    StringBuilder t = new StringBuilder();
    for (String l : lines) {
      if (l.matches("[A-Z_]+=.*")) {
        V.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1));
      } else if (l.startsWith("\u2014 PeterNeumann")) {
        peterLine = l;
      } else if (l.startsWith("\u2014 EnochRoot")) {
        enochLine = l;
      } else if (!l.startsWith("#") && !l.isBlank()) {
        t.append(l).append('\n');
      }
    }
    text = t.toString();
    assertThat(text).startsWith("If you think").hasLineCount(2);
  }

  @Test
  void specVerifierKeyParses() {
    VerifierKey k = VerifierKey.parse(V.get("VKEY_SPEC"));
    assertThat(k.name()).isEqualTo("example.com/foo");
    assertThat(k.type()).isEqualTo(SignatureType.ED25519);
    assertThat(KeyNames.hex(k.keyId())).isEqualTo("530d903a");
    assertThat(k.encode()).isEqualTo(V.get("VKEY_SPEC"));
  }

  @Test
  void signerKeyGivesItsVerifierKey() {
    SignerKey s = SignerKey.parse(V.get("SKEY"));
    assertThat(s.verifierKey().encode()).isEqualTo(V.get("VKEY"));
    assertThat(s.encode()).isEqualTo(V.get("SKEY"));
    assertThat(s.toString()).doesNotContain(V.get("SKEY").substring(30));
  }

  @Test
  void signingReproducesTheNoteByteForByte() {
    SignedNote n = SignedNote.sign(text, List.of(SignerKey.parse(V.get("SKEY")).signer()));
    String expected = text + "\n" + peterLine + "\n";
    assertThat(new String(n.encode(), StandardCharsets.UTF_8)).isEqualTo(expected);
  }

  @Test
  void openVerifiesAndIgnoresTheUnknownSigner() {
    byte[] note = (text + "\n" + peterLine + "\n" + enochLine + "\n")
        .getBytes(StandardCharsets.UTF_8);
    VerifiedNote v = SignedNote.parse(note).open(
        VerifierSet.of(VerifierKey.parse(V.get("VKEY")).verifier()));
    assertThat(v.text()).isEqualTo(text);
    assertThat(v.verified()).singleElement()
        .satisfies(s -> assertThat(s.signature().name()).isEqualTo("PeterNeumann"));
    assertThat(v.unverified()).singleElement()
        .satisfies(s -> assertThat(KeyNames.hex(s.keyId())).isEqualTo("af0cfe78"));
  }

  @Test
  void aNameWithASpaceIsMalformed() {
    String bad = text + "\n\u2014 Bad Name " + peterLine.substring(peterLine.lastIndexOf(' ') + 1)
        + "\n";
    assertMalformed(bad);
  }

  @Test
  void aLineAfterTheSignaturesThatIsNotASignatureIsMalformed() {
    assertMalformed(text + "\n" + peterLine + "\nnot a signature\n");
  }

  @Test
  void noSignatureFromAKnownKeyIsRejected() {
    byte[] note = (text + "\n" + enochLine + "\n").getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> SignedNote.parse(note).open(
        VerifierSet.of(VerifierKey.parse(V.get("VKEY")).verifier())))
        .isInstanceOfSatisfying(NoteException.class,
            e -> assertThat(e.kind()).isEqualTo(NoteException.Kind.UNVERIFIED));
  }

  @Test
  void aKnownKeyWhoseSignatureFailsRejectsTheNote() {
    byte[] note = ("If you think cryptography is the answer to your problem,\n"
        + "then you don't know what your problems are.\n\n" + peterLine + "\n")
        .getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> SignedNote.parse(note).open(
        VerifierSet.of(VerifierKey.parse(V.get("VKEY")).verifier())))
        .isInstanceOfSatisfying(NoteException.class, e -> {
          assertThat(e.kind()).isEqualTo(NoteException.Kind.INVALID_SIGNATURE);
          assertThat(e).hasMessageContaining("PeterNeumann+c74f20a3");
        });
  }

  private static void assertMalformed(String note) {
    assertThatThrownBy(() -> SignedNote.parse(note.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(NoteException.class,
            e -> assertThat(e.kind()).isEqualTo(NoteException.Kind.MALFORMED));
  }
}
