package dev.cairn.note;

import dev.cairn.checkpoint.Checkpoint;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Arrays;
import org.bouncycastle.crypto.CryptoException;
import org.bouncycastle.crypto.params.MLDSAParameters;
import org.bouncycastle.crypto.params.MLDSAPrivateKeyParameters;
import org.bouncycastle.crypto.params.MLDSAPublicKeyParameters;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.signers.MLDSASigner;

/**
 * Timestamped ML-DSA-44 checkpoint signatures (type 0x06, C2SP tlog-cosignature {@code
 * subtree/v1}), for the log's own post-quantum signature as well as for witnesses.
 *
 * <p>The signature field is a {@code u64} big-endian timestamp followed by a 2,420-byte pure
 * ML-DSA-44 signature (empty context) over the RFC 8446-style structure
 *
 * <pre>
 *   uint8  label[12] = "subtree/v1\n\0";
 *   opaque cosigner_name&lt;1..2^8-1&gt;;   // the key name
 *   uint64 timestamp;
 *   opaque log_origin&lt;1..2^8-1&gt;;      // the checkpoint origin
 *   uint64 start;                      // 0 for a checkpoint
 *   uint64 end;                        // the checkpoint size
 *   uint8  hash[32];                   // the checkpoint root
 * </pre>
 *
 * <p>The note text must be a checkpoint; its extension lines are not signed.
 */
final class MlDsa44Subtree {
  static final int MLDSA44_SIGNATURE_SIZE = 2420;
  static final int SIGNATURE_SIZE = 8 + MLDSA44_SIGNATURE_SIZE;
  private static final byte[] LABEL = "subtree/v1\n\0".getBytes(StandardCharsets.US_ASCII);

  private MlDsa44Subtree() {}

  /** The signed message for a whole-tree cosignature of {@code checkpoint}. */
  static byte[] message(String cosignerName, long timestamp, Checkpoint checkpoint) {
    byte[] name = shortOpaque(cosignerName, "cosigner name");
    byte[] origin = shortOpaque(checkpoint.origin(), "log origin");
    ByteBuffer b = ByteBuffer.allocate(LABEL.length + 1 + name.length + 8 + 1 + origin.length
        + 8 + 8 + 32);
    b.put(LABEL).put((byte) name.length).put(name).putLong(timestamp);
    b.put((byte) origin.length).put(origin).putLong(0).putLong(checkpoint.size());
    checkpoint.root().copyTo(b.array(), b.position());
    return b.array();
  }

  private static byte[] shortOpaque(String s, String what) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length < 1 || b.length > 255) {
      throw new IllegalArgumentException(what + " must be 1 to 255 bytes, got " + b.length);
    }
    return b;
  }

  record Signer(String name, int keyId, MLDSAPrivateKeyParameters key, Clock clock,
      SecureRandom random) implements NoteSigner {
    Signer(SignerKey key, Clock clock, SecureRandom random) {
      this(key.name(), key.keyId(), KeyPairs.mlDsa44(key.seed()), clock, random);
    }

    @Override
    public SignatureType type() {
      return SignatureType.MLDSA44_SUBTREE_V1;
    }

    @Override
    public byte[] sign(byte[] text) {
      Checkpoint checkpoint = Checkpoint.parse(new String(text, StandardCharsets.UTF_8));
      long timestamp = clock.instant().getEpochSecond();
      byte[] m = message(name, timestamp, checkpoint);
      byte[] sig = MlDsa.sign(key, random, m);
      return ByteBuffer.allocate(SIGNATURE_SIZE).putLong(timestamp).put(sig).array();
    }

    @Override
    public String toString() {
      return "MlDsa44Subtree.Signer[" + name + "+" + KeyNames.hex(keyId) + "]";
    }
  }

  record Verifier(String name, int keyId, MLDSAPublicKeyParameters key) implements NoteVerifier {
    Verifier(VerifierKey key) {
      this(key.name(), key.keyId(),
          new MLDSAPublicKeyParameters(MLDSAParameters.ml_dsa_44, key.publicKey()));
    }

    @Override
    public SignatureType type() {
      return SignatureType.MLDSA44_SUBTREE_V1;
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
      Checkpoint checkpoint;
      byte[] m;
      try {
        checkpoint = Checkpoint.parse(new String(text, StandardCharsets.UTF_8));
        m = message(name, timestamp, checkpoint);
      } catch (IllegalArgumentException e) {
        return false;
      }
      return MlDsa.verify(key, m, Arrays.copyOfRange(signature, 8, signature.length));
    }
  }

  /**
   * Bouncy Castle's pure ML-DSA, behind methods that take and return only the types the records
   * above hold. It is a subclass of Bouncy Castle's signer so that the JVM's AOT cache leaves it
   * out: a class from the cache that passes one Bouncy Castle type where another is expected
   * makes the JVM load both, and check Bouncy Castle's whole signed jar, before {@code main}
   * starts (~0.25 s on two cores; docs/design/start-up.md). Left out, it is loaded when first
   * used, or by {@link SignerKey#loadSigningCode} on a thread that can wait.
   */
  static final class MlDsa extends MLDSASigner {
    private MlDsa() {}

    static byte[] sign(MLDSAPrivateKeyParameters key, SecureRandom random, byte[] message) {
      MlDsa s = new MlDsa();
      s.init(true, new ParametersWithRandom(key, random));
      s.update(message, 0, message.length);
      try {
        return s.generateSignature();
      } catch (CryptoException e) {
        throw new IllegalStateException("ML-DSA-44 signing failed", e);
      }
    }

    static boolean verify(MLDSAPublicKeyParameters key, byte[] message, byte[] signature) {
      MlDsa v = new MlDsa();
      v.init(false, key);
      v.update(message, 0, message.length);
      return v.verifySignature(signature);
    }
  }
}
