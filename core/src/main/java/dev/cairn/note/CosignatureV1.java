package dev.cairn.note;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.function.UnaryOperator;
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

  /**
   * Signs with {@code ed25519}, a raw Ed25519 signing function of the key {@code publicKey}: a
   * seed in memory, or a key held elsewhere ({@link HeldEd25519Key}).
   */
  record Signer(String name, int keyId, UnaryOperator<byte[]> ed25519, Clock clock)
      implements NoteSigner {
    Signer(SignerKey key, Clock clock) {
      this(key.name(), key.keyId(), seedSigning(key.seed()), clock);
    }

    private static UnaryOperator<byte[]> seedSigning(byte[] seed) {
      byte[] publicKey = KeyPairs.publicKey(SignatureType.COSIGNATURE_V1, seed);
      return message -> Ed25519Note.Signer.sign(seed, publicKey, message);
    }

    @Override
    public SignatureType type() {
      return SignatureType.COSIGNATURE_V1;
    }

    @Override
    public byte[] sign(byte[] text) {
      long timestamp = clock.instant().getEpochSecond();
      byte[] sig = ed25519.apply(message(timestamp, text));
      if (sig.length != Ed25519.SIGNATURE_SIZE) {
        throw new IllegalStateException("an Ed25519 signature is " + Ed25519.SIGNATURE_SIZE
            + " bytes, got " + sig.length);
      }
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
