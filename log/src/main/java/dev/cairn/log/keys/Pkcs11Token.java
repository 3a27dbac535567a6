package dev.cairn.log.keys;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_EC_PARAMS;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_EC_POINT;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_EXTRACTABLE;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_SENSITIVE;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_SIGN;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKK_EC;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKK_EC_EDWARDS;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_ECDSA;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_EDDSA;

import dev.cairn.note.HeldEd25519Key;
import dev.cairn.note.NoteSigner;
import dev.cairn.note.SignatureType;
import dev.cairn.note.VerifierKey;
import dev.cairn.note.VerifyingSigner;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.xipki.pkcs11.wrapper.AttributeVector;
import org.xipki.pkcs11.wrapper.Mechanism;
import org.xipki.pkcs11.wrapper.PKCS11KeyId;
import org.xipki.pkcs11.wrapper.PKCS11Module;
import org.xipki.pkcs11.wrapper.PKCS11Token;
import org.xipki.pkcs11.wrapper.Slot;
import org.xipki.pkcs11.wrapper.TokenException;

/**
 * A PKCS#11 token (an HSM, or SoftHSM) holding checkpoint keys that never leave it, through the
 * IAIK PKCS#11 wrapper as xipki packages it ({@code org.xipki:ipkcs11wrapper}): unlike the JDK's
 * SunPKCS11 provider it reaches the token's Ed25519 keys ({@code CKM_EDDSA}), which sign
 * signed-note type 0x01 signatures that every witness and {@code sumdb/note} verify. EC P-256
 * keys sign type 0x02 (ECDSA) signatures. Keys are found by their label ({@code CKA_LABEL}); the
 * public key object beside the private one gives the verifier key. See
 * docs/security/keys.md for setting a token up.
 *
 * <p>A module is initialised once per process ({@code C_Initialize} may be called only once) and
 * a token logged in once; both stay open for the life of the process; the wrapper logs in again
 * by itself when the token has logged the process out. Every signature the token returns is
 * verified against the recorded public key before it is used ({@link VerifyingSigner}), so a
 * faulty token fails a checkpoint instead of publishing a signature no one can verify.
 * Thread-safe.
 */
public final class Pkcs11Token {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Pkcs11Token.class);
  private static final Map<Path, PKCS11Module> MODULES = new HashMap<>();
  private static final Map<String, Pkcs11Token> OPEN = new HashMap<>();

  /** The name a key is probed under when the caller names it later ({@link #ed25519}). */
  private static final String PROBE_NAME = "cairn-pkcs11-probe";

  /** DER of the Ed25519 OID 1.3.101.112, and the PrintableString "edwards25519" some use. */
  private static final byte[] ED25519_OID = HexFormat.of().parseHex("06032b6570");
  private static final byte[] EDWARDS25519_NAME =
      HexFormat.of().parseHex("130c656477617264733235353139");
  /** DER of the P-256 OID 1.2.840.10045.3.1.7. */
  private static final byte[] P256_OID = HexFormat.of().parseHex("06082a8648ce3d030107");
  /** A P-256 SubjectPublicKeyInfo up to its 65-byte uncompressed point. */
  private static final byte[] P256_SPKI_PREFIX = HexFormat.of().parseHex(
      "3059301306072a8648ce3d020106082a8648ce3d030107034200");

  /**
   * Keys the PIN tags, which tell a second PIN apart. Not a defence against a heap dump: the
   * wrapper holds the PIN itself there, for logging in again.
   */
  private static final byte[] PIN_TAG_KEY = new byte[32];

  static {
    new SecureRandom().nextBytes(PIN_TAG_KEY);
    org.xipki.pkcs11.wrapper.StaticLogger.setLogger(new WrapperLog());
  }

  private final HsmSettings settings;
  private final PKCS11Token token;
  private final byte[] pinTag;

  private Pkcs11Token(HsmSettings settings, PKCS11Token token, byte[] pinTag) {
    this.settings = settings;
    this.token = token;
    this.pinTag = pinTag;
  }

  /** A PIN read from its file, and its tag for telling PINs apart without keeping them. */
  private record Pin(char[] chars, byte[] tag) {}

  /**
   * Logs in to the token that {@code settings} name.
   *
   * @throws IOException naming the file, the token or the step that failed (never the PIN)
   */
  public static synchronized Pkcs11Token open(HsmSettings settings) throws IOException {
    Pin pin = readPin(settings.pinFile());
    try {
      Path library = settings.library().toAbsolutePath().normalize();
      String key = library + "\n" + settings.tokenLabel();
      Pkcs11Token open = OPEN.get(key);
      if (open != null) {
        // PKCS#11 logins belong to the process: a second C_Login "succeeds" whatever the PIN.
        if (!MessageDigest.isEqual(open.pinTag, pin.tag())) {
          throw new IOException("cannot log in to " + open + " with the PIN in "
              + settings.pinFile() + ": this process is logged in to it with another PIN");
        }
        return open;
      }
      Slot slot = slot(module(library), settings);
      PKCS11Token t;
      try {
        // The wrapper keeps this copy for the life of the process: it logs in again with it
        // whenever the token has logged the process out (a token or HSM restart).
        t = new PKCS11Token(slot.getToken(), true, pin.chars().clone());
      } catch (TokenException e) {
        throw new IOException("cannot log in to the PKCS#11 token \"" + settings.tokenLabel()
            + "\" with the PIN in " + settings.pinFile() + ": " + e.getMessage(), e);
      }
      Pkcs11Token opened = new Pkcs11Token(settings, t, pin.tag());
      OPEN.put(key, opened);
      return opened;
    } finally {
      Arrays.fill(pin.chars(), '\0');
    }
  }

  private static PKCS11Module module(Path library) throws IOException {
    PKCS11Module m = MODULES.get(library);
    if (m != null) {
      return m;
    }
    if (!Files.isRegularFile(library)) {
      throw new IOException("the PKCS#11 module " + library + " does not exist");
    }
    try {
      m = PKCS11Module.getInstance(library.toString());
      m.initialize();
    } catch (IOException | TokenException | RuntimeException | UnsatisfiedLinkError e) {
      throw new IOException("cannot load the PKCS#11 module " + library + ": " + e, e);
    }
    MODULES.put(library, m);
    return m;
  }

  private static Slot slot(PKCS11Module module, HsmSettings settings) throws IOException {
    List<String> labels = new ArrayList<>();
    try {
      for (Slot s : module.getSlotList(true)) {
        String label = s.getToken().getTokenInfo().getLabel().strip();
        if (label.equals(settings.tokenLabel())) {
          return s;
        }
        labels.add("\"" + label + "\"");
      }
    } catch (TokenException e) {
      throw new IOException("cannot list the tokens of " + settings.library() + ": "
          + e.getMessage(), e);
    }
    throw new IOException("the PKCS#11 module " + settings.library() + " has no token labelled \""
        + settings.tokenLabel() + "\" (it has " + (labels.isEmpty() ? "none"
        : String.join(", ", labels)) + ")");
  }

  /** The first line of {@code file} without surrounding white space, never as a String. */
  private static Pin readPin(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException("the PKCS#11 PIN file " + file + " does not exist");
    }
    byte[] bytes = Files.readAllBytes(file);
    try {
      int end = 0;
      while (end < bytes.length && bytes[end] != '\n' && bytes[end] != '\r') {
        end++;
      }
      int start = 0;
      while (start < end && Character.isWhitespace(bytes[start])) {
        start++;
      }
      while (end > start && Character.isWhitespace(bytes[end - 1])) {
        end--;
      }
      if (start == end) {
        throw new IOException("the PKCS#11 PIN file " + file + " is empty");
      }
      CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, start, end - start));
      char[] pin = new char[chars.remaining()];
      chars.get(pin);
      Arrays.fill(chars.array(), '\0');
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(PIN_TAG_KEY, "HmacSHA256"));
      mac.update(bytes, start, end - start);
      return new Pin(pin, mac.doFinal());
    } catch (CharacterCodingException e) {
      throw new IOException("the PKCS#11 PIN file " + file + " is not UTF-8 text", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The signer of the key labelled {@code label}, named {@code origin}: Ed25519 or ECDSA P-256
   * by the key's type on the token. Every signature it returns is verified first.
   *
   * @param expected the verifier key the log recorded for this label, if any: the token's key
   *     must be that key
   * @throws IOException if the label is missing or ambiguous, the key is of another type or
   *     cannot sign, is not the expected key, or does not sign verifiably
   */
  public NoteSigner signer(String origin, String label, Optional<VerifierKey> expected)
      throws IOException {
    VerifyingSigner s = open(origin, label);
    if (expected.isPresent() && !expected.get().equals(s.key())) {
      throw new IOException("the PKCS#11 key \"" + label + "\" is "
          + KeyRing.describe(s.key()) + ", but the log's key ring records "
          + KeyRing.describe(expected.get()) + " for it");
    }
    return s;
  }

  /**
   * The verifier key, named {@code origin}, of the key labelled {@code label}, after checking
   * that it signs verifiably.
   */
  public VerifierKey verifierKey(String origin, String label) throws IOException {
    return open(origin, label).key();
  }

  /**
   * The Ed25519 key labelled {@code label} as a raw signing function, for signatures other than
   * plain note signatures (a witness's {@code cosignature/v1}): signing finds the key again by
   * its label if the token lost its handle, as {@link #signer}'s do. One {@code cosignature/v1}
   * signature of a test checkpoint is made and verified first, to prove that the private key
   * matches the public key object beside it.
   *
   * @throws IOException if the label is missing or ambiguous, the key is not Ed25519 or cannot
   *     sign, or does not sign verifiably
   */
  public HeldEd25519Key ed25519(String label) throws IOException {
    TokenKey k = key(PROBE_NAME, label);
    if (k.type() != SignatureType.ED25519) {
      throw new IOException("the key \"" + label + "\" on " + this + " is "
          + KeyRing.describe(k.key) + ": an Ed25519 key is needed here");
    }
    HeldEd25519Key held = new HeldEd25519Key(k.toString(), k.key.publicKey(), k::sign);
    try {
      held.cosigner(PROBE_NAME, Clock.systemUTC()).sign(probe(PROBE_NAME));
    } catch (IllegalStateException e) {
      throw new IOException(e.getMessage(), e);
    }
    return held;
  }

  /** A checkpoint of the empty tree of {@code origin}, signed to prove a key signs. */
  private static byte[] probe(String origin) {
    return (origin + "\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  private VerifyingSigner open(String origin, String label) throws IOException {
    TokenKey k = key(origin, label);
    VerifyingSigner s = new VerifyingSigner(k.key, k);
    // The public key object says which key the label has; prove the private key matches it.
    try {
      s.sign(probe(origin));
    } catch (IllegalStateException e) {
      throw new IOException(e.getMessage(), e);
    }
    return s;
  }

  /**
   * The key labelled {@code label}, named {@code origin}, as the token holds it now. What it
   * signs is not checked: {@link #signer} wraps it in a {@link VerifyingSigner}.
   */
  TokenKey key(String origin, String label) throws IOException {
    Found k = find(origin, label);
    return new TokenKey(this, label, k.key(), k.handle());
  }

  private record Found(VerifierKey key, long handle) {}

  private Found find(String origin, String label) throws IOException {
    PKCS11KeyId id;
    try {
      id = token.getKeyId(AttributeVector.newPrivateKey().label(label));
    } catch (TokenException e) {
      throw new IOException("cannot look up the key \"" + label + "\" on " + this + ": "
          + e.getMessage(), e);
    }
    if (id == null) {
      throw new IOException(this + " has no private key labelled \"" + label + "\"");
    }
    if (id.getPublicKeyHandle() == null) {
      throw new IOException("the key \"" + label + "\" on " + this + " has no public key object"
          + " beside it (same CKA_ID), so its verifier key cannot be read");
    }
    try {
      AttributeVector priv = token.getAttrValues(id.getHandle(), CKA_SIGN, CKA_SENSITIVE,
          CKA_EXTRACTABLE, CKA_EC_PARAMS);
      if (!Boolean.TRUE.equals(priv.sign())) {
        throw new IOException("the key \"" + label + "\" on " + this + " may not sign"
            + " (CKA_SIGN is false)");
      }
      if (!Boolean.TRUE.equals(priv.sensitive()) || !Boolean.FALSE.equals(priv.extractable())) {
        LOG.warn("the PKCS#11 key \"{}\" on {} can leave the token (CKA_SENSITIVE {},"
            + " CKA_EXTRACTABLE {}): generate checkpoint keys sensitive and non-extractable",
            label, this, priv.sensitive(), priv.extractable());
      }
      AttributeVector pub = token.getAttrValues(id.getPublicKeyHandle(), CKA_EC_PARAMS,
          CKA_EC_POINT);
      byte[] params = pub.ecParams() != null ? pub.ecParams() : priv.ecParams();
      byte[] point = pub.ecPoint();
      if (params == null || point == null) {
        throw new IOException("the key \"" + label + "\" on " + this + " is not an elliptic"
            + " curve key: checkpoint keys must be Ed25519 or EC P-256");
      }
      VerifierKey key;
      if (id.getKeyType() == CKK_EC_EDWARDS
          && (Arrays.equals(params, ED25519_OID) || Arrays.equals(params, EDWARDS25519_NAME))) {
        key = new VerifierKey(origin, SignatureType.ED25519, unwrapOctets(point, 32));
      } else if (id.getKeyType() == CKK_EC && Arrays.equals(params, P256_OID)) {
        byte[] spki = Arrays.copyOf(P256_SPKI_PREFIX, P256_SPKI_PREFIX.length + 65);
        System.arraycopy(unwrapOctets(point, 65), 0, spki, P256_SPKI_PREFIX.length, 65);
        key = new VerifierKey(origin, SignatureType.ECDSA_P256, spki);
      } else {
        throw new IOException("the key \"" + label + "\" on " + this + " is not an Ed25519 or"
            + " EC P-256 key (key type " + id.getKeyType() + ", parameters "
            + HexFormat.of().formatHex(params) + ")");
      }
      return new Found(key, id.getHandle());
    } catch (TokenException e) {
      throw new IOException("cannot read the key \"" + label + "\" on " + this + ": "
          + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IOException("the key \"" + label + "\" on " + this + " has an invalid public"
          + " key: " + e.getMessage(), e);
    }
  }

  /** A point of {@code size} bytes, raw or wrapped in a DER OCTET STRING (as PKCS#11 says). */
  private static byte[] unwrapOctets(byte[] point, int size) {
    if (point.length == size) {
      return point;
    }
    if (point.length == size + 2 && point[0] == 0x04 && (point[1] & 0xff) == size) {
      return Arrays.copyOfRange(point, 2, point.length);
    }
    throw new IllegalArgumentException("CKA_EC_POINT is " + point.length + " bytes, expected "
        + size);
  }

  @Override
  public String toString() {
    return "the PKCS#11 token \"" + settings.tokenLabel() + "\" of " + settings.library();
  }

  /**
   * A key on the token, signing with whatever key the token holds under its label: if the token
   * lost the key's handle (it restarted, or dropped its sessions) the key is found again by its
   * label, once per signature, and refused if the label now names another key.
   */
  static final class TokenKey implements NoteSigner {
    private final Pkcs11Token token;
    private final String label;
    private final VerifierKey key;
    private volatile long handle;

    private TokenKey(Pkcs11Token token, String label, VerifierKey key, long handle) {
      this.token = token;
      this.label = label;
      this.key = key;
      this.handle = handle;
    }

    @Override
    public String name() {
      return key.name();
    }

    @Override
    public int keyId() {
      return key.keyId();
    }

    @Override
    public SignatureType type() {
      return key.type();
    }

    /** @throws IllegalStateException if the token cannot sign, or the label changed keys */
    @Override
    public byte[] sign(byte[] text) {
      try {
        return signOnce(text);
      } catch (TokenException first) {
        try {
          Found again = token.find(key.name(), label);
          if (!again.key().equals(key)) {
            throw new IllegalStateException("the PKCS#11 key \"" + label + "\" on " + token
                + " changed to " + KeyRing.describe(again.key()) + "; it was "
                + KeyRing.describe(key));
          }
          handle = again.handle();
          return signOnce(text);
        } catch (IOException | TokenException e) {
          IllegalStateException failed = new IllegalStateException("signing with the PKCS#11"
              + " key \"" + label + "\" on " + token + " failed: " + first.getMessage(), e);
          failed.addSuppressed(first);
          throw failed;
        }
      }
    }

    private byte[] signOnce(byte[] text) throws TokenException {
      if (key.type() == SignatureType.ED25519) {
        return token.token.sign(new Mechanism(CKM_EDDSA), handle, text);
      }
      byte[] raw = token.token.sign(new Mechanism(CKM_ECDSA), handle, sha256(text));
      if (raw.length != 64) {
        throw new TokenException("CKM_ECDSA returned " + raw.length + " bytes, expected 64");
      }
      try {
        return new DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {
            new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(raw, 0, 32))),
            new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(raw, 32, 64)))}).getEncoded();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public String toString() {
      return "the PKCS#11 key \"" + label + "\" on " + token;
    }
  }
}
