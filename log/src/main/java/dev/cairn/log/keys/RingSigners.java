package dev.cairn.log.keys;

import dev.cairn.note.NoteSigner;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifierKey;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Opens a signer for each active key of a ring, wherever its private half lives: a key file is
 * read and must hold the key the ring records; a key on the PKCS#11 token must be that key too
 * and sign a probe (see {@link Pkcs11Token}). Every key must be named for the log's origin.
 */
public final class RingSigners {
  private final String origin;
  private final KeyDirectory files;
  private final Optional<Pkcs11Token> token;
  private final Clock clock;

  /**
   * @param token the token the log was started with, if any: a ring with an HSM key needs it
   * @param clock the clock for the signers' cosignature timestamps
   */
  public RingSigners(String origin, KeyDirectory files, Optional<Pkcs11Token> token,
      Clock clock) {
    this.origin = origin;
    this.files = files;
    this.token = token;
    this.clock = clock;
  }

  /**
   * The signers of the active keys of {@code ring}, in its {@linkplain KeyRing#signingOrder
   * signing order}.
   *
   * @throws IOException naming the first key that cannot sign, and why
   */
  public List<NoteSigner> open(KeyRing ring) throws IOException {
    List<NoteSigner> signers = new ArrayList<>();
    for (KeyRing.Entry e : ring.signingOrder()) {
      VerifierKey vk = e.key();
      if (!vk.name().equals(origin)) {
        throw new IOException("key " + e.describe() + " is not named for the origin " + origin);
      }
      signers.add(e.file() != null ? fromFile(e, vk) : fromToken(e, vk));
    }
    return List.copyOf(signers);
  }

  private NoteSigner fromFile(KeyRing.Entry e, VerifierKey vk) throws IOException {
    SignerKey k = files.read(e.file(), vk.type());
    if (!k.verifierKey().equals(vk)) {
      throw new IOException("the key file keys/" + e.file() + " holds "
          + KeyRing.describe(k.verifierKey()) + ", but the key ring records " + e.describe());
    }
    return k.signer(clock);
  }

  private NoteSigner fromToken(KeyRing.Entry e, VerifierKey vk) throws IOException {
    Pkcs11Token t = token.orElseThrow(() -> new IOException("the key ring lists the HSM key \""
        + e.pkcs11Label() + "\" (" + e.describe() + "): start with --pkcs11-library,"
        + " --pkcs11-token and --pkcs11-pin-file"));
    return t.signer(origin, e.pkcs11Label(), Optional.of(vk));
  }
}
