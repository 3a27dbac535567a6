package dev.cairn.note;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;

/**
 * ECDSA P-256 note signatures (signed-note type 0x02): SHA-256 over the note text, the signature
 * in ASN.1 DER, the public key as a DER SubjectPublicKeyInfo. The private key is any {@link
 * PrivateKey} a JCA provider can sign with, typically one that never leaves an HSM.
 */
public final class EcdsaNote {
  /** The size of a P-256 SubjectPublicKeyInfo with an uncompressed point. */
  static final int SPKI_SIZE = 91;

  /** The longest DER signature of P-256 (two 33-byte INTEGERs in a SEQUENCE). */
  static final int MAX_SIGNATURE_SIZE = 72;

  private EcdsaNote() {}

  /**
   * The verifier key for an ECDSA P-256 public key named {@code name}.
   *
   * @throws IllegalArgumentException if the key is not on P-256
   */
  public static VerifierKey verifierKey(String name, PublicKey publicKey) {
    byte[] spki = publicKey.getEncoded();
    decode(spki);
    return new VerifierKey(name, SignatureType.ECDSA_P256, spki);
  }

  /**
   * A note signer for {@code privateKey}, signing through {@code provider} (for example a PKCS#11
   * provider) with {@code SHA256withECDSA}.
   *
   * @param key the verifier key of the pair, which gives the name and key ID
   * @throws IllegalArgumentException if {@code key} is not an ECDSA P-256 key
   */
  public static NoteSigner signer(VerifierKey key, PrivateKey privateKey, Provider provider) {
    if (key.type() != SignatureType.ECDSA_P256) {
      throw new IllegalArgumentException("not an ECDSA key: " + key.type());
    }
    return new Signer(key.name(), key.keyId(), privateKey, provider);
  }

  private record Signer(String name, int keyId, PrivateKey privateKey, Provider provider)
      implements NoteSigner {
    @Override
    public SignatureType type() {
      return SignatureType.ECDSA_P256;
    }

    @Override
    public byte[] sign(byte[] text) {
      try {
        Signature s = Signature.getInstance("SHA256withECDSA", provider);
        s.initSign(privateKey);
        s.update(text);
        return s.sign();
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("ECDSA signing with " + provider.getName() + " failed: "
            + e.getMessage(), e);
      }
    }

    @Override
    public String toString() {
      return "EcdsaNote.Signer[" + name + "+" + KeyNames.hex(keyId) + ", " + provider.getName()
          + "]";
    }
  }

  /** Parses a P-256 SubjectPublicKeyInfo. */
  static ECPublicKey decode(byte[] spki) {
    PublicKey k;
    try {
      k = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(spki));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not a valid ECDSA public key: " + e.getMessage());
    }
    if (!(k instanceof ECPublicKey ec) || !isP256(ec.getParams())
        || !Arrays.equals(ec.getEncoded(), spki)) {
      throw new IllegalArgumentException(
          "an ECDSA note key must be a P-256 SubjectPublicKeyInfo with an uncompressed point");
    }
    return ec;
  }

  private static boolean isP256(ECParameterSpec p) {
    return p.getCurve().getField().getFieldSize() == 256 && p.getOrder().toString(16)
        .equals("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
  }

  record Verifier(String name, int keyId, ECPublicKey key) implements NoteVerifier {
    Verifier(VerifierKey key) {
      this(key.name(), key.keyId(), decode(key.publicKey()));
    }

    @Override
    public SignatureType type() {
      return SignatureType.ECDSA_P256;
    }

    @Override
    public boolean verify(byte[] text, byte[] signature) {
      if (signature.length < 8 || signature.length > MAX_SIGNATURE_SIZE) {
        return false;
      }
      try {
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initVerify(key);
        s.update(text);
        return s.verify(signature);
      } catch (GeneralSecurityException e) {
        return false;
      }
    }
  }
}
