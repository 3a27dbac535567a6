package dev.cairn.note;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * Timestamped Ed25519 cosignatures (type 0x04, C2SP tlog-cosignature {@code cosignature/v1}).
 *
 * <p>The signature field is a {@code u64} big-endian timestamp (seconds since the epoch) followed
 * by a 64-byte Ed25519 signature over
 *
 * <pre>  cosignature/v1\ntime &lt;timestamp&gt;\n&lt;note text&gt;</pre>
 */
final class CosignatureV1 {
  static final int SIGNATURE_SIZE = 8 + Ed25519.SIGNATURE_SIZE;

  private CosignatureV1() {}

  static byte[] message(long timestamp, byte[] text) {
    byte[] header = ("cosignature/v1\ntime " + timestamp + "\n").getBytes(StandardCharsets.UTF_8);
    byte[] m = new byte[header.length + text.length];
    System.arraycopy(header, 0, m, 0, header.length);
    System.arraycopy(text, 0, m, header.length, text.length);
    return m;
  }

  record Signer(String name, int keyId, byte[] seed, byte[] publicKey, Clock clock)
      implements NoteSigner {
    Signer(SignerKey key, Clock clock) {
      this(key.name(), key.keyId(), key.seed(),
          KeyPairs.publicKey(SignatureType.COSIGNATURE_V1, key.seed()), clock);
    }

    @Override
    public SignatureType type() {
      return SignatureType.COSIGNATURE_V1;
    }

    @Override
    public byte[] sign(byte[] text) {
      long timestamp = clock.instant().getEpochSecond();
      byte[] sig = Ed25519Note.Signer.sign(seed, publicKey, message(timestamp, text));
      return ByteBuffer.allocate(SIGNATURE_SIZE).putLong(timestamp).put(sig).array();
    }

    @Override
    public String toString() {
      return "CosignatureV1.Signer[" + name + "+" + KeyNames.hex(keyId) + "]";
    }
  }

  record Verifier(String name, int keyId, Ed25519.PublicPoint point) implements NoteVerifier {
    Verifier(VerifierKey key) {
      this(key.name(), key.keyId(), Ed25519Note.Verifier.decode(key.publicKey()));
    }

    @Override
    public SignatureType type() {
      return SignatureType.COSIGNATURE_V1;
    }

    @Override
    public boolean verify(byte[] text, byte[] signature) {
      if (signature.length != SIGNATURE_SIZE) {
        return false;
      }
      ByteBuffer b = ByteBuffer.wrap(signature);
      long timestamp = b.getLong();
      if (timestamp < 0) {
        return false;
      }
      byte[] sig = new byte[Ed25519.SIGNATURE_SIZE];
      b.get(sig);
      return Ed25519Note.Verifier.verify(point, message(timestamp, text), sig);
    }
  }
}
