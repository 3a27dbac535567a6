package dev.cairn.note;

import org.bouncycastle.crypto.params.MLDSAParameters;
import org.bouncycastle.crypto.params.MLDSAPrivateKeyParameters;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/** Derives public keys from 32-byte seeds. */
final class KeyPairs {
  private KeyPairs() {}

  static byte[] publicKey(SignatureType type, byte[] seed) {
    return switch (type) {
      case ED25519, COSIGNATURE_V1 -> {
        byte[] pk = new byte[Ed25519.PUBLIC_KEY_SIZE];
        Ed25519.generatePublicKey(seed, 0, pk, 0);
        yield pk;
      }
      case MLDSA44_SUBTREE_V1 -> mlDsa44(seed).getPublicKey();
      case ECDSA_P256 -> throw new IllegalArgumentException(
          "ECDSA keys are not derived from seeds: they live in an HSM (see EcdsaNote.signer)");
    };
  }

  /** The ML-DSA-44 private key expanded from the FIPS 204 seed ξ. */
  static MLDSAPrivateKeyParameters mlDsa44(byte[] seed) {
    return new MLDSAPrivateKeyParameters(MLDSAParameters.ml_dsa_44, seed);
  }
}
