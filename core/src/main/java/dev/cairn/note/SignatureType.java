package dev.cairn.note;

import java.util.Optional;

/** The signed-note signature types Cairn knows, with their identifier bytes. */
public enum SignatureType {
  /** Ed25519 over the note text (signed-note, 0x01). */
  ED25519(0x01, 32, 64),
  /**
   * ECDSA over NIST P-256 with SHA-256 (signed-note 0x02, as github.com/transparency-dev/witness
   * implements it): the public key is its DER SubjectPublicKeyInfo, the signature ASN.1 DER, and
   * the key ID hashes the public key alone (not the name). Cairn accepts P-256 only, the curve
   * the spec recommends; it signs with keys held in an HSM.
   */
  ECDSA_P256(0x02, EcdsaNote.SPKI_SIZE, EcdsaNote.MAX_SIGNATURE_SIZE),
  /** Timestamped Ed25519 witness cosignature, {@code cosignature/v1} (tlog-cosignature, 0x04). */
  COSIGNATURE_V1(0x04, 32, CosignatureV1.SIGNATURE_SIZE),
  /** Timestamped ML-DSA-44 cosignature over the {@code subtree/v1} message (tlog-cosignature, 0x06). */
  MLDSA44_SUBTREE_V1(0x06, 1312, MlDsa44Subtree.SIGNATURE_SIZE);

  private final int id;
  private final int publicKeySize;
  private final int maxSignatureSize;

  SignatureType(int id, int publicKeySize, int maxSignatureSize) {
    this.id = id;
    this.publicKeySize = publicKeySize;
    this.maxSignatureSize = maxSignatureSize;
  }

  /** The identifier byte. */
  public int id() {
    return id;
  }

  /**
   * Whether this type is post-quantum (ML-DSA-44). A log signs each checkpoint with a key of
   * each kind, classical (Ed25519, ECDSA) and post-quantum, and verifiers need both.
   */
  public boolean isPostQuantum() {
    return this == MLDSA44_SUBTREE_V1;
  }

  /** The size of a public key of this type, in bytes. */
  public int publicKeySize() {
    return publicKeySize;
  }

  /**
   * The largest signature field of this type, in bytes (timestamp included for cosignatures),
   * without the 4-byte key ID.
   */
  public int maxSignatureSize() {
    return maxSignatureSize;
  }

  /** The type with identifier byte {@code id}, if Cairn knows it. */
  public static Optional<SignatureType> of(int id) {
    for (SignatureType t : values()) {
      if (t.id == id) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }
}
