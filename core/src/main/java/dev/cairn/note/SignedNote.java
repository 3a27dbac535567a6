package dev.cairn.note;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A signed note (C2SP signed-note): a UTF-8 text ending in a newline, a blank line, and one or
 * more signature lines {@code — <key name> <base64(key ID || signature)>} (the dash is U+2014).
 *
 * <p>Parsing is strict: valid UTF-8 without control characters other than newline, at most
 * {@value #MAX_SIZE} bytes and {@value #MAX_SIGNATURES} signatures, valid key names, canonical
 * padded base64. The text ends at the last blank line. {@link #open} then applies the
 * signed-note trust rules: signatures by unknown keys are ignored, a failing signature by a known
 * key rejects the note, and at least one known key must have signed.
 */
public final class SignedNote {
  /** The largest note accepted, in bytes. */
  public static final int MAX_SIZE = 256 * 1024;

  /** The most signature lines accepted (the spec asks for at least 16). */
  public static final int MAX_SIGNATURES = 100;

  static final String SIGNATURE_PREFIX = "\u2014 ";

  private final String text;
  private final List<NoteSignature> signatures;

  private SignedNote(String text, List<NoteSignature> signatures) {
    this.text = text;
    this.signatures = List.copyOf(signatures);
  }

  /**
   * Parses a signed note without verifying any signature.
   *
   * @throws NoteException of kind {@code MALFORMED}, saying what is wrong
   */
  public static SignedNote parse(byte[] note) {
    if (note.length > MAX_SIZE) {
      throw NoteException.malformed(
          "note is " + note.length + " bytes, more than the " + MAX_SIZE + " allowed");
    }
    String s = decodeUtf8(note);
    checkCharacters(s);
    int split = s.lastIndexOf("\n\n");
    if (split < 0) {
      throw NoteException.malformed("no blank line separates the text from the signatures");
    }
    String text = s.substring(0, split + 1);
    String block = s.substring(split + 2);
    if (block.isEmpty()) {
      throw NoteException.malformed("no signature lines");
    }
    if (!block.endsWith("\n")) {
      throw NoteException.malformed("the last signature line does not end with a newline");
    }
    List<NoteSignature> sigs = new ArrayList<>();
    int start = 0;
    while (start < block.length()) {
      int nl = block.indexOf('\n', start);
      if (sigs.size() == MAX_SIGNATURES) {
        throw NoteException.malformed("more than " + MAX_SIGNATURES + " signatures");
      }
      sigs.add(parseLine(block.substring(start, nl), sigs.size() + 1));
      start = nl + 1;
    }
    return new SignedNote(text, sigs);
  }

  private static NoteSignature parseLine(String line, int number) {
    if (!line.startsWith(SIGNATURE_PREFIX)) {
      throw NoteException.malformed(
          "signature line " + number + " does not start with an em dash and a space");
    }
    String rest = line.substring(SIGNATURE_PREFIX.length());
    int space = rest.indexOf(' ');
    if (space < 0) {
      throw NoteException.malformed("signature line " + number + " has no signature");
    }
    String name = rest.substring(0, space);
    if (!KeyNames.isValid(name)) {
      throw NoteException.malformed("signature line " + number + " has an invalid key name");
    }
    byte[] raw;
    try {
      raw = Base64s.decode(rest.substring(space + 1), "signature on line " + number);
    } catch (IllegalArgumentException e) {
      throw NoteException.malformed(e.getMessage());
    }
    if (raw.length < 5) {
      throw NoteException.malformed("signature on line " + number + " is too short");
    }
    ByteBuffer b = ByteBuffer.wrap(raw);
    int keyId = b.getInt();
    byte[] sig = new byte[raw.length - 4];
    b.get(sig);
    return new NoteSignature(name, keyId, sig);
  }

  private static String decodeUtf8(byte[] note) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(note))
          .toString();
    } catch (CharacterCodingException e) {
      throw NoteException.malformed("not valid UTF-8");
    }
  }

  private static void checkCharacters(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 && c != '\n') {
        throw NoteException.malformed(
            String.format("control character 0x%02x at character %d", (int) c, i));
      }
    }
  }

  /**
   * Signs {@code text} with each signer, in order.
   *
   * @throws IllegalArgumentException if the text is not a valid note text
   */
  public static SignedNote sign(String text, List<? extends NoteSigner> signers) {
    checkText(text);
    if (signers.isEmpty()) {
      throw new IllegalArgumentException("a note needs at least one signer");
    }
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    List<NoteSignature> sigs = new ArrayList<>();
    for (NoteSigner s : signers) {
      sigs.add(new NoteSignature(s.name(), s.keyId(), s.sign(bytes)));
    }
    return new SignedNote(text, sigs);
  }

  private static void checkText(String text) {
    if (!text.endsWith("\n")) {
      throw new IllegalArgumentException("note text must end with a newline");
    }
    try {
      checkCharacters(text);
    } catch (NoteException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
    if (text.getBytes(StandardCharsets.UTF_8).length > MAX_SIZE / 2) {
      throw new IllegalArgumentException("note text is too long");
    }
  }

  /** This note with {@code more} signatures appended (replacing any by the same key). */
  public SignedNote withSignatures(List<NoteSignature> more) {
    List<NoteSignature> all = new ArrayList<>();
    for (NoteSignature s : signatures) {
      if (more.stream().noneMatch(m -> m.isBy(s.name(), s.keyId()))) {
        all.add(s);
      }
    }
    all.addAll(more);
    if (all.size() > MAX_SIGNATURES) {
      throw new IllegalArgumentException("more than " + MAX_SIGNATURES + " signatures");
    }
    return new SignedNote(text, all);
  }

  /** The note text, ending in a newline. */
  public String text() {
    return text;
  }

  /** The signature lines, in order. */
  public List<NoteSignature> signatures() {
    return signatures;
  }

  /** The encoded note. */
  public byte[] encode() {
    StringBuilder sb = new StringBuilder(text.length() + 128 * signatures.size());
    sb.append(text).append('\n');
    for (NoteSignature s : signatures) {
      sb.append(s.line()).append('\n');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Verifies the signatures by keys in {@code known}.
   *
   * @return the text with the verified signatures and the ignored ones
   * @throws NoteException of kind {@code INVALID_SIGNATURE} if a signature by a known key fails,
   *     or {@code UNVERIFIED} if no known key signed
   */
  public VerifiedNote open(VerifierSet known) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    List<VerifiedNote.Verified> verified = new ArrayList<>();
    List<NoteSignature> unverified = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (NoteSignature sig : signatures) {
      var verifier = known.find(sig.name(), sig.keyId());
      if (verifier.isEmpty()) {
        unverified.add(sig);
        continue;
      }
      if (!seen.add(sig.name() + "+" + sig.keyId())) {
        continue; // a repeated signature by one key: the first one decides, as in Go
      }
      NoteVerifier v = verifier.get();
      byte[] raw = sig.signature();
      if (!v.verify(bytes, raw)) {
        throw new NoteException(NoteException.Kind.INVALID_SIGNATURE,
            "signature by " + sig.name() + "+" + KeyNames.hex(sig.keyId()) + " ("
                + v.type() + ") does not verify");
      }
      verified.add(new VerifiedNote.Verified(sig, v.type(), timestamp(v.type(), raw)));
    }
    if (verified.isEmpty()) {
      throw new NoteException(NoteException.Kind.UNVERIFIED,
          "no signature by a trusted key (signed by: "
              + String.join(", ", signatures.stream()
                  .map(s -> s.name() + "+" + KeyNames.hex(s.keyId())).toList())
              + ")");
    }
    return new VerifiedNote(text, verified, unverified);
  }

  private static OptionalLong timestamp(SignatureType type, byte[] sig) {
    return switch (type) {
      case ED25519, ECDSA_P256 -> OptionalLong.empty();
      case COSIGNATURE_V1, MLDSA44_SUBTREE_V1 -> OptionalLong.of(ByteBuffer.wrap(sig).getLong());
    };
  }
}
