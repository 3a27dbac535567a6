package dev.cairn.note;

import org.bouncycastle.math.ec.rfc8032.Ed25519;

/** Plain Ed25519 note signatures (type 0x01) over the note text, with Bouncy Castle. */
final class Ed25519Note {
  private Ed25519Note() {}

  record Signer(String name, int keyId, byte[] seed, byte[] publicKey) implements NoteSigner {
    Signer(SignerKey key) {
      this(key.name(), key.keyId(), key.seed(),
          KeyPairs.publicKey(SignatureType.ED25519, key.seed()));
    }

    @Override
    public SignatureType type() {
      return SignatureType.ED25519;
    }

    @Override
    public byte[] sign(byte[] text) {
      return sign(seed, publicKey, text);
    }

    static byte[] sign(byte[] seed, byte[] publicKey, byte[] message) {
      byte[] sig = new byte[Ed25519.SIGNATURE_SIZE];
      Ed25519.sign(seed, 0, publicKey, 0, message, 0, message.length, sig, 0);
      return sig;
    }

    @Override
    public String toString() {
      return "Ed25519Note.Signer[" + name + "+" + KeyNames.hex(keyId) + "]";
    }
  }

  record Verifier(String name, int keyId, Ed25519.PublicPoint point) implements NoteVerifier {
    Verifier(VerifierKey key) {
      this(key.name(), key.keyId(), decode(key.publicKey()));
    }

    static Ed25519.PublicPoint decode(byte[] publicKey) {
      Ed25519.PublicPoint p = Ed25519.validatePublicKeyPartialExport(publicKey, 0);
      if (p == null) {
        throw new IllegalArgumentException("not a valid Ed25519 public key");
      }
      return p;
    }

    @Override
    public SignatureType type() {
      return SignatureType.ED25519;
    }

    @Override
    public boolean verify(byte[] text, byte[] signature) {
      return verify(point, text, signature);
    }

    static boolean verify(Ed25519.PublicPoint point, byte[] message, byte[] signature) {
      return signature.length == Ed25519.SIGNATURE_SIZE
          && Ed25519.verify(signature, 0, point, message, 0, message.length);
    }
  }
}
