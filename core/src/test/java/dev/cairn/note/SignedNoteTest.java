package dev.cairn.note;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing limits and trust rules beyond the spec vectors. */
class SignedNoteTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final SignerKey ALICE = SignerKey.generate("alice", SignatureType.ED25519, RANDOM);
  private static final SignerKey BOB = SignerKey.generate("bob", SignatureType.ED25519, RANDOM);

  @Test
  void roundTripsWithManySignatures() {
    List<NoteSigner> signers = new ArrayList<>();
    List<NoteVerifier> verifiers = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      SignerKey k = SignerKey.generate("signer" + i, SignatureType.ED25519, RANDOM);
      signers.add(k.signer());
      verifiers.add(k.verifierKey().verifier());
    }
    SignedNote n = SignedNote.sign("hello\n\nworld\n", signers);
    SignedNote parsed = SignedNote.parse(n.encode());
    assertThat(parsed.text()).isEqualTo("hello\n\nworld\n");
    assertThat(parsed.signatures()).isEqualTo(n.signatures());
    assertThat(parsed.open(VerifierSet.of(verifiers)).verified()).hasSize(16);
  }

  @Test
  void textMayEndWithBlankLines() {
    SignedNote n = SignedNote.sign("a\n\n", List.of(ALICE.signer()));
    assertThat(SignedNote.parse(n.encode()).text()).isEqualTo("a\n\n");
  }

  @Test
  void limitsAreEnforced() {
    StringBuilder many = new StringBuilder("t\n\n");
    String line = new String(SignedNote.sign("t\n", List.of(ALICE.signer())).encode(),
        StandardCharsets.UTF_8).substring(3);
    many.append(line.repeat(SignedNote.MAX_SIGNATURES));
    assertThat(SignedNote.parse(bytes(many.toString())).signatures())
        .hasSize(SignedNote.MAX_SIGNATURES);
    assertMalformed(many + line, "more than 100 signatures");
    assertMalformed("x".repeat(SignedNote.MAX_SIZE) + "\n\n" + line, "bytes, more than");
  }

  @Test
  void malformedNotesSayWhy() {
    String sig = Base64.getEncoder().encodeToString(new byte[68]);
    assertMalformed("no blank line\n\u2014 a " + sig + "\n", "no blank line");
    assertMalformed("text\n\n", "no signature lines");
    assertMalformed("text\n\n\u2014 a " + sig, "does not end with a newline");
    assertMalformed("text\n\n- a " + sig + "\n", "em dash");
    assertMalformed("text\n\n\u2014 a\n", "has no signature");
    assertMalformed("text\n\n\u2014 a+b " + sig + "\n", "invalid key name");
    assertMalformed("text\n\n\u2014 a\u00a0b " + sig + "\n", "invalid key name");
    assertMalformed("text\n\n\u2014 a " + sig.replace("=", "") + "\n", "base64");
    assertMalformed("text\n\n\u2014 a AAAA\n", "too short");
    assertMalformed("text\n\n\u2014 a " + sig + " extra\n", "base64");
    assertMalformed("te\u0001xt\n\n\u2014 a " + sig + "\n", "control character 0x01");
    assertMalformed("text\r\n\n\u2014 a " + sig + "\n", "control character 0x0d");
    assertMalformed("text\n\n\u2014 a " + sig + "\n\n", "no signature lines");
    assertThatThrownBy(() -> SignedNote.parse(new byte[] {'a', (byte) 0xc3, '\n', '\n'}))
        .hasMessageContaining("not valid UTF-8");
  }

  @Test
  void repeatedSignatureByOneKeyCountsOnce() {
    SignedNote n = SignedNote.sign("t\n", List.of(ALICE.signer(), ALICE.signer()));
    assertThat(n.open(VerifierSet.of(ALICE.verifierKey().verifier())).verified()).hasSize(1);
  }

  @Test
  void sameNameOtherKeyIsIgnoredNotFailed() {
    SignerKey alice2 = SignerKey.generate("alice", SignatureType.ED25519, RANDOM);
    SignedNote n = SignedNote.sign("t\n", List.of(alice2.signer(), ALICE.signer()));
    VerifiedNote v = n.open(VerifierSet.of(ALICE.verifierKey().verifier()));
    assertThat(v.verified()).hasSize(1);
    assertThat(v.unverified()).hasSize(1);
  }

  @Test
  void oneFailingKnownKeyRejectsEvenWhenAnotherVerifies() {
    SignedNote good = SignedNote.sign("t\n", List.of(ALICE.signer()));
    SignedNote forged = SignedNote.sign("u\n", List.of(BOB.signer()));
    SignedNote mixed = SignedNote.parse(bytes("t\n\n" + good.signatures().get(0).line() + "\n"
        + forged.signatures().get(0).line() + "\n"));
    assertThatThrownBy(() -> mixed.open(VerifierSet.of(
        ALICE.verifierKey().verifier(), BOB.verifierKey().verifier())))
        .hasMessageContaining("bob");
  }

  @Test
  void withSignaturesAppendsAndReplaces() {
    SignedNote n = SignedNote.sign("t\n", List.of(ALICE.signer()));
    SignedNote bobToo = SignedNote.sign("t\n", List.of(BOB.signer()));
    SignedNote both = n.withSignatures(bobToo.signatures());
    assertThat(both.signatures()).hasSize(2);
    assertThat(both.withSignatures(bobToo.signatures()).signatures()).hasSize(2);
    assertThat(both.open(VerifierSet.of(ALICE.verifierKey().verifier(),
        BOB.verifierKey().verifier())).verified()).hasSize(2);
  }

  @Test
  void signingRejectsBadText() {
    assertThatThrownBy(() -> SignedNote.sign("no newline", List.of(ALICE.signer())))
        .hasMessageContaining("end with a newline");
    assertThatThrownBy(() -> SignedNote.sign("tab\there\n", List.of(ALICE.signer())))
        .hasMessageContaining("control character");
  }

  private static void assertMalformed(String note, String message) {
    assertThatThrownBy(() -> SignedNote.parse(bytes(note)))
        .isInstanceOfSatisfying(NoteException.class,
            e -> assertThat(e.kind()).isEqualTo(NoteException.Kind.MALFORMED))
        .hasMessageContaining(message);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
