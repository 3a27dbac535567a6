package dev.cairn.verify;

import static dev.cairn.verify.VerificationException.Reason.BAD_SIGNATURE;
import static dev.cairn.verify.VerificationException.Reason.INCONSISTENT;
import static dev.cairn.verify.VerificationException.Reason.MALFORMED;
import static dev.cairn.verify.VerificationException.Reason.NOT_INCLUDED;
import static dev.cairn.verify.VerificationException.Reason.QUORUM_NOT_MET;
import static dev.cairn.verify.VerificationException.Reason.UNTRUSTED;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Hasher;
import dev.cairn.merkle.ProofException;
import dev.cairn.merkle.ProofVerifier;
import dev.cairn.note.NoteException;
import dev.cairn.note.NoteVerifier;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.VerifiedNote;
import dev.cairn.note.VerifierKey;
import dev.cairn.note.VerifierSet;
import dev.cairn.policy.Policy;
import dev.cairn.proof.TlogProof;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Verifies what a transparency log hands out, offline, against a {@link Policy}: checkpoints
 * (trusted log keys named for the origin signed it, and witness cosignatures meet the quorum),
 * inclusion of an entry (a tlog-proof), and consistency between two checkpoints.
 *
 * <p>A log signs each checkpoint with a key of each type it publishes: a classical one (Ed25519
 * or ECDSA P-256) and an ML-DSA-44 one. By default a checkpoint needs a valid signature from a
 * trusted key of each of these types among the trusted keys for its origin, so that one stolen
 * key (the ML-DSA-44 key is always a file, even when the classical key is in an HSM) cannot
 * forge a checkpoint; during a rotation, when two keys of one type are trusted, either one's
 * signature is enough. {@link #acceptingAnyKeyType()} weakens this to one signature by any
 * trusted log key. To trust one type only, trust only that type's keys.
 *
 * <p>A signature by any trusted key (log or witness) that fails to verify rejects the checkpoint.
 * Immutable and thread-safe.
 */
public final class LogVerifier {
  private final Policy policy;
  private final VerifierSet trusted;
  private final boolean anyKeyType;

  private LogVerifier(Policy policy, boolean anyKeyType) {
    this.policy = policy;
    List<NoteVerifier> all = new ArrayList<>();
    policy.logs().forEach(l -> all.add(l.key().verifier()));
    policy.witnesses().values().forEach(w -> all.add(w.key().verifier()));
    this.trusted = VerifierSet.of(all);
    this.anyKeyType = anyKeyType;
  }

  /**
   * A verifier for {@code policy}, requiring a signature of each type of the policy's log keys
   * for the checkpoint's origin.
   */
  public static LogVerifier of(Policy policy) {
    return new LogVerifier(policy, false);
  }

  /**
   * A verifier trusting these log keys, with no witnesses, requiring a signature of each of
   * their types.
   */
  public static LogVerifier ofLogKeys(Collection<VerifierKey> logKeys) {
    return of(Policy.ofLogs(List.copyOf(logKeys)));
  }

  /**
   * This verifier, accepting a checkpoint that any one trusted log key signed instead of
   * requiring a signature of each type. Weaker: any one of the trusted keys, stolen, forges
   * checkpoints this verifier accepts.
   */
  public LogVerifier acceptingAnyKeyType() {
    return new LogVerifier(policy, true);
  }

  /** Verifies a signed checkpoint note. */
  public VerifiedCheckpoint verifyCheckpoint(byte[] note) throws VerificationException {
    SignedNote signed;
    Checkpoint checkpoint;
    try {
      signed = SignedNote.parse(note);
      checkpoint = Checkpoint.parse(signed.text());
    } catch (NoteException | IllegalArgumentException e) {
      throw new VerificationException(MALFORMED, e.getMessage());
    }
    VerifiedNote verified;
    try {
      verified = signed.open(trusted);
    } catch (NoteException e) {
      throw new VerificationException(
          e.kind() == NoteException.Kind.INVALID_SIGNATURE ? BAD_SIGNATURE : UNTRUSTED,
          e.getMessage());
    }
    Set<SignatureType> logTypes = EnumSet.noneOf(SignatureType.class);
    Set<SignatureType> trustedTypes = EnumSet.noneOf(SignatureType.class);
    for (Policy.Log log : policy.logs()) {
      VerifierKey k = log.key();
      if (k.name().equals(checkpoint.origin())) {
        trustedTypes.add(k.type());
        if (verified.isSignedBy(k.name(), k.keyId())) {
          logTypes.add(k.type());
        }
      }
    }
    if (logTypes.isEmpty()) {
      throw new VerificationException(UNTRUSTED,
          "no trusted log key for origin \"" + checkpoint.origin() + "\" signed the checkpoint");
    }
    if (!anyKeyType) {
      for (KeyType t : KeyType.values()) {
        if (t.includesAny(trustedTypes) && !t.includesAny(logTypes)) {
          throw new VerificationException(UNTRUSTED, "the checkpoint lacks a signature by the"
              + " log's " + t.describe(trustedTypes) + " key (only " + names(logTypes)
              + " signed it); every key type the log publishes must sign");
        }
      }
    }
    Set<String> witnesses = new HashSet<>();
    for (Policy.Witness w : policy.witnesses().values()) {
      if (verified.isSignedBy(w.key().name(), w.key().keyId())) {
        witnesses.add(w.name());
      }
    }
    if (!policy.quorumMet(witnesses)) {
      throw new VerificationException(QUORUM_NOT_MET, quorumShortfall(witnesses));
    }
    return new VerifiedCheckpoint(checkpoint, signed, logTypes, witnesses);
  }

  /**
   * Which witnesses cosigned, which did not, and what the quorum lacks: {@code cosigned by A;
   * no cosignature from B, C, D; quorum "q" needs 3 of A, B, C, D and has 1}. Names in policy
   * order.
   */
  private String quorumShortfall(Set<String> cosigned) {
    List<String> yes = new ArrayList<>();
    List<String> no = new ArrayList<>();
    for (String w : policy.witnesses().keySet()) {
      (cosigned.contains(w) ? yes : no).add(w);
    }
    List<String> parts = new ArrayList<>();
    parts.add(yes.isEmpty() ? "cosigned by no witness" : "cosigned by " + String.join(", ", yes));
    if (!no.isEmpty()) {
      parts.add("no cosignature from " + String.join(", ", no));
    }
    parts.addAll(policy.shortfall(cosigned));
    return String.join("; ", parts);
  }

  /**
   * Verifies a tlog-proof for {@code entry}: its checkpoint, then the inclusion proof.
   *
   * @return the checkpoint the entry is included in
   */
  public VerifiedCheckpoint verifyProof(byte[] entry, byte[] tlogProof)
      throws VerificationException {
    TlogProof proof;
    try {
      proof = TlogProof.parse(tlogProof);
    } catch (IllegalArgumentException e) {
      throw new VerificationException(MALFORMED, "tlog-proof: " + e.getMessage());
    }
    VerifiedCheckpoint cp = verifyCheckpoint(proof.checkpoint());
    verifyInclusion(Hasher.threadLocal().leaf(entry), proof.index(), proof.inclusion(), cp);
    return cp;
  }

  /** Verifies that {@code leafHash} is leaf {@code index} of the tree {@code checkpoint} signs. */
  public void verifyInclusion(
      Hash leafHash, long index, List<Hash> proof, VerifiedCheckpoint checkpoint)
      throws VerificationException {
    Checkpoint c = checkpoint.checkpoint();
    try {
      ProofVerifier.verifyInclusion(leafHash, index, c.size(), proof, c.root());
    } catch (ProofException e) {
      throw new VerificationException(NOT_INCLUDED, e.getMessage());
    }
  }

  /**
   * Verifies that {@code older} is a prefix of {@code newer}: same origin, not larger, and the
   * consistency proof holds (an empty proof when either is the empty tree or both are equal).
   */
  public void verifyConsistency(
      VerifiedCheckpoint older, VerifiedCheckpoint newer, List<Hash> proof)
      throws VerificationException {
    Checkpoint a = older.checkpoint();
    Checkpoint b = newer.checkpoint();
    if (!a.origin().equals(b.origin())) {
      throw new VerificationException(INCONSISTENT,
          "checkpoints are from different logs: " + a.origin() + " and " + b.origin());
    }
    if (a.size() > b.size()) {
      throw new VerificationException(INCONSISTENT,
          "the log rolled back from size " + a.size() + " to " + b.size());
    }
    if (a.size() == 0) {
      if (!proof.isEmpty() || !a.root().equals(Hasher.emptyRoot())) {
        throw new VerificationException(INCONSISTENT,
            "an empty checkpoint must have the empty root and an empty proof");
      }
      return;
    }
    try {
      ProofVerifier.verifyConsistency(a.size(), b.size(), proof, a.root(), b.root());
    } catch (ProofException e) {
      throw new VerificationException(INCONSISTENT, e.getMessage());
    }
  }

  /** The key types a log signs with, each of which must sign a checkpoint by default. */
  private enum KeyType {
    CLASSICAL(EnumSet.of(SignatureType.ED25519, SignatureType.ECDSA_P256)),
    POST_QUANTUM(EnumSet.of(SignatureType.MLDSA44_SUBTREE_V1));

    private final Set<SignatureType> types;

    KeyType(Set<SignatureType> types) {
      this.types = types;
    }

    boolean includesAny(Set<SignatureType> signatureTypes) {
      return signatureTypes.stream().anyMatch(types::contains);
    }

    /** This key type named by the signature types of it among {@code trusted}. */
    String describe(Set<SignatureType> trusted) {
      Set<SignatureType> mine = EnumSet.copyOf(types);
      mine.retainAll(trusted);
      return String.join(" or ", mine.stream().map(LogVerifier::name).toList());
    }
  }

  private static String names(Set<SignatureType> types) {
    return String.join(" and ", types.stream().map(LogVerifier::name).toList());
  }

  private static String name(SignatureType t) {
    return switch (t) {
      case ED25519 -> "Ed25519";
      case ECDSA_P256 -> "ECDSA P-256";
      case MLDSA44_SUBTREE_V1 -> "ML-DSA-44";
      case COSIGNATURE_V1 -> "cosignature/v1";
    };
  }
}
