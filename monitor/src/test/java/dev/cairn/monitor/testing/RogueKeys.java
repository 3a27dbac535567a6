package dev.cairn.monitor.testing;

import dev.cairn.note.NoteSignature;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifierKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rogue log's keys, all derived from one seed so that a test knows them in advance: the
 * log's Ed25519 key named for the origin, and a {@code cosignature/v1} key per witness named for
 * the witness. A key's 32-byte seed is SHA-256 of {@code "cairn rogue-log log <origin> <seed>"}
 * or {@code "cairn rogue-log witness <name> <seed>"}. Also builds the notes it signs.
 */
final class RogueKeys {
  private final SignerKey log;
  private final Map<String, SignerKey> witnesses = new LinkedHashMap<>();

  RogueKeys(String origin, long seed, List<String> witnessNames) {
    this.log = logSigner(origin, seed);
    witnessNames.forEach(w -> witnesses.put(w, witnessSigner(w, seed)));
  }

  static SignerKey logSigner(String origin, long seed) {
    return SignerKey.fromSeed(origin, SignatureType.ED25519, seed("log " + origin, seed));
  }

  static SignerKey witnessSigner(String name, long seed) {
    return SignerKey.fromSeed(name, SignatureType.COSIGNATURE_V1, seed("witness " + name, seed));
  }

  private static byte[] seed(String purpose, long seed) {
    return sha256(("cairn rogue-log " + purpose + " " + seed).getBytes(StandardCharsets.UTF_8));
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("unreachable: every JDK has SHA-256", e);
    }
  }

  VerifierKey logKey() {
    return log.verifierKey();
  }

  List<String> witnessNames() {
    return List.copyOf(witnesses.keySet());
  }

  /** Witness {@code name}'s verifier key; throws naming the witnesses if there is none. */
  VerifierKey witnessKey(String name) {
    return witness(name).verifierKey();
  }

  /** The log's signature on the note text. */
  NoteSignature logSignature(byte[] text) {
    return new NoteSignature(log.name(), log.keyId(), log.signer().sign(text));
  }

  /** {@code witness}'s cosignature on the note text, timestamped by {@code clock}. */
  NoteSignature cosignature(String witness, byte[] text, Clock clock) {
    SignerKey k = witness(witness);
    return new NoteSignature(k.name(), k.keyId(), k.signer(clock).sign(text));
  }

  /** {@code s} with the first bit of its signature flipped: it parses but does not verify. */
  static NoteSignature flipped(NoteSignature s) {
    byte[] sig = s.signature();
    sig[0] ^= 1;
    return new NoteSignature(s.name(), s.keyId(), sig);
  }

  /**
   * The encoded note of {@code text} and {@code sigs}, parsed back so that a fixture bug shows
   * here and not as a test's verdict.
   */
  static byte[] note(String text, List<NoteSignature> sigs) {
    StringBuilder sb = new StringBuilder(text).append('\n');
    sigs.forEach(s -> sb.append(s.line()).append('\n'));
    byte[] note = sb.toString().getBytes(StandardCharsets.UTF_8);
    SignedNote.parse(note);
    return note;
  }

  private SignerKey witness(String name) {
    SignerKey k = witnesses.get(name);
    if (k == null) {
      throw new IllegalArgumentException("no witness named \"" + name + "\"; the log holds "
          + witnesses.keySet());
    }
    return k;
  }
}
