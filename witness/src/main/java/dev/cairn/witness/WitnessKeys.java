package dev.cairn.witness;

import dev.cairn.log.storage.embedded.AtomicFiles;
import dev.cairn.note.HeldEd25519Key;
import dev.cairn.note.NoteSigner;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifierKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The witness's name and its two cosigner keys, both named with it: an Ed25519 key signing
 * {@code cosignature/v1} (0x04) and an ML-DSA-44 key signing {@code subtree/v1} (0x06). The
 * Ed25519 key is a key file, or is held on a PKCS#11 token ({@link HeldEd25519Key}); the
 * ML-DSA-44 key is always a key file (no token signs ML-DSA-44).
 *
 * <p>On disk, {@code keys/cosigner.keys} holds two lines, readable by the owner alone: the
 * Ed25519 signer key, or the {@code cosignature/v1} verifier key of the held key when a token
 * holds it; then the ML-DSA-44 signer key. It is written once, atomically (temporary file,
 * fsync, rename, directory fsync), so a crash during the first start leaves either no keys or
 * both. {@code witness.vkey} holds the verifier keys, one per line, and is rewritten from the
 * keys on every start.
 *
 * <p>The Ed25519 key is the witness's identity (its key ID is what logs and clients pin), so a
 * data directory keeps the kind of key it was created with: a witness made with a key file is
 * refused a token key and the other way round, and a token key must be the one recorded.
 * Moving a witness to a token is making a new witness (a new data directory) and telling the
 * logs and clients its new verifier key.
 */
public final class WitnessKeys {
  static final String KEYS_FILE = "cosigner.keys";
  /** The file of verifier keys, one per line, in the data directory. */
  public static final String VKEY_FILE = "witness.vkey";

  private final VerifierKey cosignature;
  private final Function<Clock, NoteSigner> cosigner;
  private final Optional<String> heldBy;
  private final SignerKey subtree;
  private final boolean created;

  private WitnessKeys(VerifierKey cosignature, Function<Clock, NoteSigner> cosigner,
      Optional<String> heldBy, SignerKey subtree, boolean created) {
    this.cosignature = cosignature;
    this.cosigner = cosigner;
    this.heldBy = heldBy;
    this.subtree = subtree;
    this.created = created;
  }

  private static WitnessKeys files(SignerKey cosignature, SignerKey subtree, boolean created) {
    return new WitnessKeys(cosignature.verifierKey(), cosignature::signer, Optional.empty(),
        subtree, created);
  }

  private static WitnessKeys held(HeldEd25519Key key, String name, SignerKey subtree,
      boolean created) {
    return new WitnessKeys(key.cosignatureKey(name), clock -> key.cosigner(name, clock),
        Optional.of(key.description()), subtree, created);
  }

  /** Keys with these seeds (tests, golden vectors). */
  static WitnessKeys fromSeeds(String name, byte[] ed25519Seed, byte[] mlDsaSeed) {
    return files(SignerKey.fromSeed(name, SignatureType.COSIGNATURE_V1, ed25519Seed),
        SignerKey.fromSeed(name, SignatureType.MLDSA44_SUBTREE_V1, mlDsaSeed), false);
  }

  /** {@link #openOrCreate(Path, Optional, Optional, SecureRandom)} with an Ed25519 key file. */
  public static WitnessKeys openOrCreate(Path dataDir, Optional<String> name,
      SecureRandom random) throws IOException {
    return openOrCreate(dataDir, name, Optional.empty(), random);
  }

  /**
   * Reads the keys in {@code dataDir}, or creates them named {@code name} (or {@code
   * cairn-witness-<8 random hex digits>}) if there are none: the Ed25519 key is {@code held}
   * if given, else a new key file.
   *
   * @throws IllegalArgumentException if {@code name} differs from the stored name, or is not a
   *     valid key name; if {@code held} is given for a witness with an Ed25519 key file, or not
   *     given for one whose key is held, or is not the held key recorded
   * @throws IOException if the files cannot be read or written, or are damaged (named)
   */
  public static WitnessKeys openOrCreate(Path dataDir, Optional<String> name,
      Optional<HeldEd25519Key> held, SecureRandom random) throws IOException {
    Path keysDir = dataDir.resolve("keys");
    Path file = keysDir.resolve(KEYS_FILE);
    WitnessKeys keys;
    if (Files.exists(file)) {
      keys = read(file, held);
      if (name.isPresent() && !name.get().equals(keys.name())) {
        throw new IllegalArgumentException("this data directory's witness is named \""
            + keys.name() + "\", not \"" + name.get() + "\": a witness keeps its name and keys;"
            + " drop --name, or use another data directory for a new witness");
      }
    } else {
      String n = name.orElseGet(() -> "cairn-witness-"
          + HexFormat.of().toHexDigits(random.nextInt()));
      SignerKey subtree = SignerKey.generate(n, SignatureType.MLDSA44_SUBTREE_V1, random);
      String first;
      if (held.isPresent()) {
        keys = held(held.get(), n, subtree, true);
        first = keys.cosignature.encode();
      } else {
        SignerKey cosignature = SignerKey.generate(n, SignatureType.COSIGNATURE_V1, random);
        keys = files(cosignature, subtree, true);
        first = cosignature.encode();
      }
      AtomicFiles.createOwnerOnlyDirectory(keysDir);
      Path tmp = AtomicFiles.writeTemp(file, (first + "\n" + subtree.encode() + "\n")
          .getBytes(StandardCharsets.UTF_8), keysDir, true);
      AtomicFiles.rename(tmp, file);
      AtomicFiles.syncDirectory(keysDir);
      AtomicFiles.syncDirectory(dataDir);
    }
    StringBuilder vkeys = new StringBuilder();
    for (VerifierKey k : keys.verifierKeys()) {
      vkeys.append(k.encode()).append('\n');
    }
    AtomicFiles.write(dataDir.resolve(VKEY_FILE), vkeys.toString()
        .getBytes(StandardCharsets.UTF_8), dataDir);
    return keys;
  }

  private static WitnessKeys read(Path file, Optional<HeldEd25519Key> held)
      throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
        .filter(l -> !l.isBlank()).toList();
    if (lines.size() != 2) {
      throw new IOException(file + " must hold two keys, one per line, found "
          + lines.size() + " lines");
    }
    boolean isHeld = !lines.get(0).startsWith(SignerKey.PREFIX);
    SignerKey fileKey = null;
    VerifierKey recorded;
    SignerKey b;
    try {
      if (isHeld) {
        recorded = VerifierKey.parse(lines.get(0));
      } else {
        fileKey = SignerKey.parse(lines.get(0));
        recorded = fileKey.verifierKey();
      }
      b = SignerKey.parse(lines.get(1));
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage());
    }
    if (recorded.type() != SignatureType.COSIGNATURE_V1
        || b.type() != SignatureType.MLDSA44_SUBTREE_V1 || !recorded.name().equals(b.name())) {
      throw new IOException(file + " must hold a cosignature/v1 key, then a subtree/v1 key, of"
          + " one name; found " + recorded.encode() + " and " + b);
    }
    if (!isHeld) {
      if (held.isPresent()) {
        throw new IllegalArgumentException("this data directory's witness cosigns with the"
            + " Ed25519 key file in keys/" + KEYS_FILE + " (" + recorded.encode() + "): using "
            + held.get().description() + " instead would make it another witness (another key"
            + " ID); drop the PKCS#11 settings, or use another data directory for a new witness");
      }
      return files(fileKey, b, false);
    }
    if (held.isEmpty()) {
      throw new IllegalArgumentException("this data directory's witness cosigns with an"
          + " Ed25519 key on a PKCS#11 token (" + recorded.encode() + "): give the token"
          + " (--pkcs11-library, --pkcs11-token, --pkcs11-pin-file, --pkcs11-key)");
    }
    VerifierKey given = held.get().cosignatureKey(recorded.name());
    if (!given.equals(recorded)) {
      throw new IllegalArgumentException(held.get().description() + " is " + given.encode()
          + ", but this data directory's witness cosigns with " + recorded.encode()
          + ": give the label of that key, or use another data directory for a new witness");
    }
    return held(held.get(), recorded.name(), b, false);
  }

  /** The witness's name, which both keys carry. */
  public String name() {
    return cosignature.name();
  }

  /** Whether {@link #openOrCreate} created the keys. */
  public boolean created() {
    return created;
  }

  /** What holds the Ed25519 key when it is not a key file (the token and the key's label). */
  public Optional<String> heldBy() {
    return heldBy;
  }

  /** The Ed25519 {@code cosignature/v1} key, then the ML-DSA-44 {@code subtree/v1} key. */
  public List<VerifierKey> verifierKeys() {
    return List.of(cosignature, subtree.verifierKey());
  }

  /** Signers for both keys, in the order of {@link #verifierKeys}, timestamping with clock. */
  List<NoteSigner> signers(Clock clock) {
    return List.of(cosigner.apply(clock), subtree.signer(clock));
  }
}
