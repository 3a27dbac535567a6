package dev.cairn.log.http;

import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import java.security.Key;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Security;
import java.security.spec.AlgorithmParameterSpec;
import javax.crypto.KeyAgreement;
import javax.crypto.KeyAgreementSpi;
import javax.crypto.SecretKey;
import javax.crypto.ShortBufferException;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The TLS key exchange's X25519 (and X448) by Bouncy Castle, ahead of the JDK's.
 *
 * <p>Clients offer an X25519 key share first (OpenSSL, Go, browsers), so every TLS handshake
 * makes a key pair and an agreement on that curve. The JDK's arithmetic for it is plain Java
 * without intrinsics: ~230 µs a handshake on the benchmark VM, over half of the handshake's own
 * CPU, against ~90 µs for Bouncy Castle's (docs/benchmarks.md, issue 17). JSSE asks the
 * providers in order for {@code XDH} key pair generators, key factories and key agreements;
 * this provider answers those three first, with Bouncy Castle's, and nothing else. Everything
 * else (the certificate's signature, P-256 key shares, the ciphers, HKDF) stays the JDK's.
 *
 * <p>Bouncy Castle reports a peer's key of small order (an all-zero secret, which RFC 7748
 * says to refuse) with an {@link IllegalStateException}; the agreement here turns it into the
 * {@link InvalidKeyException} the JDK's throws, so JSSE fails that handshake as a bad key
 * share rather than as an internal error.
 */
final class FastKeyExchange extends Provider {
  static final String NAME = "Cairn-XDH";
  private static final String ALGORITHM = "XDH";

  private FastKeyExchange() {
    super(NAME, "1", "X25519 and X448 key exchange for TLS, by Bouncy Castle");
    Provider bc = new BouncyCastleProvider();
    for (String type : new String[] {"KeyPairGenerator", "KeyFactory"}) {
      Service theirs = bc.getService(type, ALGORITHM);
      putService(new Service(this, type, ALGORITHM, theirs.getClassName(), null, null) {
        @Override
        public Object newInstance(Object parameter) throws NoSuchAlgorithmException {
          return theirs.newInstance(parameter);
        }
      });
    }
    putService(new Service(this, "KeyAgreement", ALGORITHM, Agreement.class.getName(), null,
        null) {
      @Override
      public Object newInstance(Object parameter) throws NoSuchAlgorithmException {
        return new Agreement(KeyAgreement.getInstance(ALGORITHM, bc));
      }
    });
  }

  /** Puts this provider first for {@code XDH}, once per process; later calls do nothing. */
  static synchronized void install() {
    if (Security.getProvider(NAME) == null) {
      Security.insertProviderAt(new FastKeyExchange(), 1);
    }
  }

  /** Bouncy Castle's agreement, refusing small-order keys the way the JDK's does. */
  private static final class Agreement extends KeyAgreementSpi {
    private final KeyAgreement theirs;

    Agreement(KeyAgreement theirs) {
      this.theirs = theirs;
    }

    @Override
    protected void engineInit(Key key, SecureRandom random) throws InvalidKeyException {
      theirs.init(key, random);
    }

    @Override
    protected void engineInit(Key key, AlgorithmParameterSpec params, SecureRandom random)
        throws InvalidKeyException, InvalidAlgorithmParameterException {
      theirs.init(key, params, random);
    }

    @Override
    protected Key engineDoPhase(Key key, boolean lastPhase) throws InvalidKeyException {
      try {
        return theirs.doPhase(key, lastPhase);
      } catch (IllegalStateException smallOrder) {
        throw new InvalidKeyException("the peer's key has small order", smallOrder);
      }
    }

    @Override
    protected byte[] engineGenerateSecret() {
      return theirs.generateSecret();
    }

    @Override
    protected int engineGenerateSecret(byte[] sharedSecret, int offset)
        throws ShortBufferException {
      return theirs.generateSecret(sharedSecret, offset);
    }

    @Override
    protected SecretKey engineGenerateSecret(String algorithm)
        throws NoSuchAlgorithmException, InvalidKeyException {
      return theirs.generateSecret(algorithm);
    }
  }
}
