package dev.cairn.signing;

import dev.cairn.note.EcdsaNote;
import dev.cairn.note.NoteSigner;
import dev.cairn.note.SignedNote;
import dev.cairn.note.VerifierKey;
import dev.cairn.note.VerifierSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.security.cert.Certificate;
import java.util.Arrays;
import java.util.List;

/**
 * A PKCS#11 token opened through the JDK's SunPKCS11 provider. Its keys sign ECDSA P-256 note
 * signatures (signed-note type 0x02) without leaving the token. SunPKCS11 lists a private key
 * only when a certificate is stored beside it under the same alias ({@code keytool -genkeypair}
 * on the token does both; see docs/security/keys.md).
 */
public final class Pkcs11Token {
  private final Provider provider;
  private final KeyStore store;

  private Pkcs11Token(Provider provider, KeyStore store) {
    this.provider = provider;
    this.store = store;
  }

  /**
   * Logs in to the token that {@code settings} name.
   *
   * @throws IOException naming the file or the step that failed (never the PIN)
   */
  public static Pkcs11Token open(HsmSettings settings) throws IOException {
    if (!Files.isRegularFile(settings.pkcs11Config())) {
      throw new IOException("the PKCS#11 configuration " + settings.pkcs11Config()
          + " does not exist");
    }
    char[] pin = readPin(settings);
    Provider base = Security.getProvider("SunPKCS11");
    if (base == null) {
      throw new IOException("this Java runtime has no SunPKCS11 provider (jdk.crypto.cryptoki)");
    }
    Provider p;
    try {
      p = base.configure(settings.pkcs11Config().toString());
    } catch (RuntimeException e) {
      throw new IOException("the PKCS#11 configuration " + settings.pkcs11Config()
          + " cannot be loaded: " + rootMessage(e), e);
    }
    try {
      KeyStore ks = KeyStore.getInstance("PKCS11", p);
      ks.load(null, pin);
      return new Pkcs11Token(p, ks);
    } catch (GeneralSecurityException | IOException e) {
      throw new IOException("cannot log in to the PKCS#11 token of " + settings.pkcs11Config()
          + " with the PIN in " + settings.pinFile() + ": " + rootMessage(e), e);
    } finally {
      Arrays.fill(pin, '\0');
    }
  }

  private static char[] readPin(HsmSettings s) throws IOException {
    if (!Files.isRegularFile(s.pinFile())) {
      throw new IOException("the PKCS#11 PIN file " + s.pinFile() + " does not exist");
    }
    String text = Files.readString(s.pinFile(), StandardCharsets.UTF_8);
    String line = text.lines().findFirst().orElse("").strip();
    if (line.isEmpty()) {
      throw new IOException("the PKCS#11 PIN file " + s.pinFile() + " is empty");
    }
    return line.toCharArray();
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t + ")";
  }

  /**
   * The signer of the key stored under {@code alias}, named {@code origin}.
   *
   * @param expected the verifier key the log recorded for this alias, if any: the token's key
   *     must be that key
   * @throws IOException if the alias is missing, not an EC P-256 private key with a
   *     certificate, not the expected key, or the key does not sign verifiably
   */
  public NoteSigner signer(String origin, String alias, java.util.Optional<VerifierKey> expected)
      throws IOException {
    Key key;
    Certificate cert;
    try {
      key = store.getKey(alias, null);
      cert = store.getCertificate(alias);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot read key " + alias + " from the PKCS#11 token: "
          + e.getMessage(), e);
    }
    if (!(key instanceof PrivateKey priv) || cert == null) {
      throw new IOException("the PKCS#11 token has no private key with a certificate under alias "
          + alias);
    }
    VerifierKey vk;
    try {
      vk = EcdsaNote.verifierKey(origin, cert.getPublicKey());
    } catch (IllegalArgumentException e) {
      throw new IOException("the PKCS#11 key " + alias + " cannot sign checkpoints: "
          + e.getMessage());
    }
    if (expected.isPresent() && !expected.get().equals(vk)) {
      throw new IOException("the PKCS#11 key " + alias + " is " + vk + ", but the log's key ring"
          + " records " + expected.get() + " for it");
    }
    NoteSigner signer = EcdsaNote.signer(vk, priv, provider);
    // The certificate says which public key the alias has; prove the private key matches it.
    String probe = origin + "\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
    try {
      SignedNote.parse(SignedNote.sign(probe, List.of(signer)).encode())
          .open(VerifierSet.ofKeys(List.of(vk)));
    } catch (Exception e) {
      throw new IOException("the PKCS#11 key " + alias + " does not match its certificate: "
          + e.getMessage(), e);
    }
    return signer;
  }

  /**
   * The verifier key, named {@code origin}, of the key under {@code alias}, after checking that
   * it signs verifiably.
   */
  public VerifierKey verifierKey(String origin, String alias) throws IOException {
    NoteSigner s = signer(origin, alias, java.util.Optional.empty());
    return new VerifierKey(origin, s.type(), publicKey(alias));
  }

  private byte[] publicKey(String alias) throws IOException {
    try {
      return store.getCertificate(alias).getPublicKey().getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /** The provider's name, for messages. */
  public String name() {
    return provider.getName();
  }
}
