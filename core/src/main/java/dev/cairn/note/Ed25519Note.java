package dev.cairn.note;

import org.bouncycastle.math.ec.rfc8032.Ed25519;

/** Plain Ed25519 note signatures (type 0x01) over the note text, with Bouncy Castle. */
final class Ed25519Note {
  private Ed25519Note() {}

  static final class Signer implements NoteSigner {
    private final String name;
    private final int keyId;
    private final byte[] seed;
    private final byte[] publicKey;

    Signer(SignerKey key) {
      this.name = key.name();
      this.keyId = key.keyId();
      this.seed = key.seed();
      this.publicKey = KeyPairs.publicKey(SignatureType.ED25519, seed);
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public int keyId() {
      return keyId;
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
  }

  static final class Verifier implements NoteVerifier {
    private final String name;
    private final int keyId;
    private final Ed25519.PublicPoint point;

    Verifier(VerifierKey key) {
      this.name = key.name();
      this.keyId = key.keyId();
      this.point = decode(key.publicKey());
    }

    static Ed25519.PublicPoint decode(byte[] publicKey) {
      Ed25519.PublicPoint p = Ed25519.validatePublicKeyPartialExport(publicKey, 0);
      if (p == null) {
        throw new IllegalArgumentException("not a valid Ed25519 public key");
      }
      return p;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public int keyId() {
      return keyId;
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
