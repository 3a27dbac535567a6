package dev.cairn.log.witnessing;

import dev.cairn.note.KeyNames;
import dev.cairn.note.NoteSignature;
import dev.cairn.note.NoteVerifier;
import dev.cairn.note.SignedNote;
import dev.cairn.policy.Policy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a witness's 200 answer, as tlog-witness suggests: the signature lines are appended to
 * the checkpoint text and read as a signed note; each line by one of the policy keys of this
 * witness URL (by key name and key ID) must verify over this exact checkpoint text; lines by any
 * other key are ignored. The first valid line per policy witness counts.
 */
final class Cosignatures {
  /**
   * What an answer holds.
   *
   * @param valid the valid cosignature lines
   * @param names the policy names of the witnesses they are by
   * @param bad the policy names of witnesses whose line did not verify
   * @param ignored how many lines were by keys outside this URL's policy lines
   */
  record Checked(List<NoteSignature> valid, Set<String> names, List<String> bad, int ignored) {}

  private final Map<Policy.Witness, NoteVerifier> verifiers = new LinkedHashMap<>();

  Cosignatures(List<Policy.Witness> witnesses) {
    witnesses.forEach(w -> verifiers.put(w, w.key().verifier()));
  }

  /**
   * Checks the answer {@code body} to a request with the checkpoint {@code text}.
   *
   * @throws IllegalArgumentException if the body is not signature lines ending in a newline
   * @throws dev.cairn.note.NoteException if a line is not a well-formed signature line
   */
  Checked check(String text, byte[] body) {
    if (body.length == 0 || body[body.length - 1] != '\n') {
      throw new IllegalArgumentException("the answer does not end in a newline");
    }
    byte[] t = text.getBytes(StandardCharsets.UTF_8);
    byte[] joined = new byte[t.length + 1 + body.length];
    System.arraycopy(t, 0, joined, 0, t.length);
    joined[t.length] = '\n';
    System.arraycopy(body, 0, joined, t.length + 1, body.length);
    SignedNote answer = SignedNote.parse(joined);
    if (!answer.text().equals(text)) {
      throw new IllegalArgumentException("the answer holds a blank line");
    }
    List<NoteSignature> valid = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    List<String> bad = new ArrayList<>();
    int ignored = 0;
    for (NoteSignature s : answer.signatures()) {
      boolean known = false;
      for (Map.Entry<Policy.Witness, NoteVerifier> w : verifiers.entrySet()) {
        Policy.Witness witness = w.getKey();
        if (!s.isBy(witness.key().name(), witness.key().keyId())) {
          continue;
        }
        known = true;
        if (names.contains(witness.name())) {
          continue;
        }
        if (w.getValue().verify(t, s.signature())) {
          valid.add(s);
          names.add(witness.name());
        } else {
          bad.add(witness.name());
        }
      }
      ignored += known ? 0 : 1;
    }
    return new Checked(valid, names, bad, ignored);
  }

  /** The policy keys, as {@code name+keyid}, for messages. */
  String keys() {
    return String.join(", ", verifiers.keySet().stream()
        .map(w -> w.key().name() + "+" + KeyNames.hex(w.key().keyId())).toList());
  }
}
