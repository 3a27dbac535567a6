package dev.cairn.log.http;

import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Security;
import java.security.interfaces.XECKey;
import java.security.interfaces.XECPublicKey;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPublicKeySpec;
import javax.crypto.KeyAgreement;
import javax.crypto.SecretKey;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.jcajce.provider.asymmetric.edec.KeyAgreementSpi;
import org.bouncycastle.jcajce.provider.asymmetric.edec.KeyFactorySpi;
import org.bouncycastle.jcajce.provider.asymmetric.edec.KeyPairGeneratorSpi;

/**
 * The TLS key exchange's X25519 (and X448) by Bouncy Castle, ahead of the JDK's.
 *
 * <p>Clients offer an X25519 key share first (OpenSSL, Go, browsers), so every TLS handshake
 * makes a key pair and an agreement on that curve. The JDK's arithmetic for it is plain Java
 * without intrinsics: ~0.26 ms of CPU a handshake in a profile of the server on the benchmark
 * VM, over half of JSSE's own handshake work, against ~0.13 ms for Bouncy Castle's
 * (docs/benchmarks.md, issue 17). JSSE asks the providers in order for {@code XDH} key pair
 * generators, key factories and key agreements; this provider answers those three first, with
 * Bouncy Castle's, and nothing else. Everything else (the certificate's signature, P-256 key
 * shares, the ciphers, HKDF) stays the JDK's.
 *
 * <p>The agreement keeps the JDK's contract where Bouncy Castle's differs: a peer's key of
 * small order (an all-zero secret, which RFC 7748 lets an implementation refuse) and keys on
 * two different curves are an {@link InvalidKeyException}; a second phase or a phase before
 * {@code init} an {@link IllegalStateException}.
 */
final class FastKeyExchange extends Provider {
  static final String NAME = "Cairn-XDH";
  private static final String ALGORITHM = "XDH";
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(FastKeyExchange.class);
  /** Whether the check at install failed, once: it is not run (nor reported) again. */
  private static boolean refused;

  private FastKeyExchange() {
    super(NAME, "1", "X25519 and X448 key exchange for TLS, by Bouncy Castle");
    // Bouncy Castle's own provider is not constructed: it registers every algorithm it has,
    // ~0.3 s of CPU, in the start of every log served over TLS.
    putService(new Service(this, "KeyPairGenerator", ALGORITHM,
        KeyPairGeneratorSpi.XDH.class.getName(), null, null));
    putService(new Service(this, "KeyFactory", ALGORITHM, KeyFactorySpi.XDH.class.getName(),
        null, null));
    putService(new Service(this, "KeyAgreement", ALGORITHM, Agreement.class.getName(), null,
        null) {
      @Override
      public Object newInstance(Object parameter) {
        return new Agreement(new KeyAgreement(new KeyAgreementSpi.XDH(), FastKeyExchange.this,
            ALGORITHM) {});
      }
    });
  }

  /**
   * Puts this provider first for {@code XDH}, once per process; later calls do nothing. It is
   * not installed, and the JDK's X25519 stays in use, if it does not agree with the JDK's on a
   * key exchange: JSSE needs its keys to be {@code XECPublicKey}s, which Bouncy Castle's are
   * only from its jar's Java 11 classes (a jar repackaged without {@code Multi-Release} has not
   * got them).
   */
  static synchronized void install() {
    if (refused || Security.getProvider(NAME) != null) {
      return;
    }
    FastKeyExchange ours = new FastKeyExchange();
    try {
      Provider jdk = Security.getProvider("SunEC");
      KeyPair mine = pair(ours);
      KeyPair theirs = pair(jdk);
      byte[] here = agree(ours, mine.getPrivate(), theirs.getPublic());
      byte[] there = agree(jdk, theirs.getPrivate(), mine.getPublic());
      if (!MessageDigest.isEqual(here, there)) {
        throw new GeneralSecurityException("the two X25519s agreed on different secrets");
      }
    } catch (GeneralSecurityException | RuntimeException e) {
      LOG.warn("TLS key exchanges use the JDK's X25519: Bouncy Castle's failed a check: {}",
          e.toString());
      refused = true;
      return;
    }
    Security.insertProviderAt(ours, 1);
  }

  private static KeyPair pair(Provider p) throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance(ALGORITHM, p);
    g.initialize(NamedParameterSpec.X25519);
    return g.generateKeyPair();
  }

  /** The secret of {@code mine} and {@code theirs} by {@code p}, as JSSE makes the peer's key. */
  private static byte[] agree(Provider p, PrivateKey mine, PublicKey theirs)
      throws GeneralSecurityException {
    PublicKey peer = KeyFactory.getInstance(ALGORITHM, p).generatePublic(
        new XECPublicKeySpec(NamedParameterSpec.X25519, ((XECPublicKey) theirs).getU()));
    KeyAgreement a = KeyAgreement.getInstance(ALGORITHM, p);
    a.init(mine);
    a.doPhase(peer, true);
    return a.generateSecret();
  }

  /**
   * Bouncy Castle's agreement in the JDK's states and exceptions: one phase after each
   * {@code init} and each secret taken, the secret given out once, and a refused key leaving no
   * secret behind.
   */
  private static final class Agreement extends javax.crypto.KeyAgreementSpi {
    private final KeyAgreement theirs;
    /** The private key's curve once initialised ("" if it names none), else null. */
    private String curve;
    /** The secret of the last phase, until it is taken. */
    private byte[] secret;

    Agreement(KeyAgreement theirs) {
      this.theirs = theirs;
    }

    @Override
    protected void engineInit(Key key, SecureRandom random) throws InvalidKeyException {
      curve = null;
      secret = null;
      theirs.init(key, random);
      curve = curve(key);
    }

    @Override
    protected void engineInit(Key key, AlgorithmParameterSpec params, SecureRandom random)
        throws InvalidKeyException, InvalidAlgorithmParameterException {
      curve = null;
      secret = null;
      theirs.init(key, params, random);
      curve = curve(key);
    }

    @Override
    protected Key engineDoPhase(Key key, boolean lastPhase) throws InvalidKeyException {
      if (curve == null) {
        throw new IllegalStateException("the key agreement is not initialised");
      }
      if (secret != null) {
        throw new IllegalStateException("the phase is done: take the secret first");
      }
      if (!lastPhase) {
        throw new IllegalStateException("an XDH agreement has one phase, the last");
      }
      String other = curve(key);
      if (!curve.isEmpty() && !other.isEmpty() && !curve.equalsIgnoreCase(other)) {
        throw new InvalidKeyException("the keys are on different curves: " + curve + " and "
            + other);
      }
      try {
        theirs.doPhase(key, true);
      } catch (IllegalStateException allZero) {
        throw new InvalidKeyException("the peer's key has small order", allZero);
      } catch (ClassCastException mixed) {
        throw new InvalidKeyException("the keys are on different curves", mixed);
      }
      secret = theirs.generateSecret().clone();
      return null;
    }

    private static String curve(Key key) {
      return key instanceof XECKey x && x.getParams() instanceof NamedParameterSpec n
          ? n.getName() : "";
    }

    @Override
    protected byte[] engineGenerateSecret() {
      if (secret == null) {
        throw new IllegalStateException("no secret: the agreement's phase is not done");
      }
      byte[] taken = secret;
      secret = null;
      return taken;
    }

    @Override
    protected int engineGenerateSecret(byte[] sharedSecret, int offset)
        throws ShortBufferException {
      if (secret != null && secret.length > sharedSecret.length - offset) {
        throw new ShortBufferException("the secret needs " + secret.length + " bytes, "
            + (sharedSecret.length - offset) + " are left");
      }
      byte[] taken = engineGenerateSecret();
      System.arraycopy(taken, 0, sharedSecret, offset, taken.length);
      return taken.length;
    }

    @Override
    protected SecretKey engineGenerateSecret(String algorithm)
        throws NoSuchAlgorithmException {
      if (algorithm == null) {
        throw new NoSuchAlgorithmException("no algorithm named for the secret");
      }
      return new SecretKeySpec(engineGenerateSecret(), algorithm);
    }
  }
}
