package dev.cairn.witness;

import dev.cairn.log.storage.embedded.AtomicFiles;
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

/**
 * The witness's name and its two cosigner keys, both named with it: an Ed25519 key signing
 * {@code cosignature/v1} (0x04) and an ML-DSA-44 key signing {@code subtree/v1} (0x06).
 *
 * <p>On disk, {@code keys/cosigner.keys} holds the two signer keys, one per line, readable by
 * the owner alone; it is written once, atomically (temporary file, fsync, rename, directory
 * fsync), so a crash during the first start leaves either no keys or both. {@code witness.vkey}
 * holds the verifier keys, one per line, and is rewritten from the keys on every start.
 */
public final class WitnessKeys {
  static final String KEYS_FILE = "cosigner.keys";
  /** The file of verifier keys, one per line, in the data directory. */
  public static final String VKEY_FILE = "witness.vkey";

  private final SignerKey cosignature;
  private final SignerKey subtree;
  private final boolean created;

  private WitnessKeys(SignerKey cosignature, SignerKey subtree, boolean created) {
    this.cosignature = cosignature;
    this.subtree = subtree;
    this.created = created;
  }

  /** Keys with these seeds (tests, golden vectors). */
  static WitnessKeys fromSeeds(String name, byte[] ed25519Seed, byte[] mlDsaSeed) {
    return new WitnessKeys(SignerKey.fromSeed(name, SignatureType.COSIGNATURE_V1, ed25519Seed),
        SignerKey.fromSeed(name, SignatureType.MLDSA44_SUBTREE_V1, mlDsaSeed), false);
  }

  /**
   * Reads the keys in {@code dataDir}, or creates them named {@code name} (or {@code
   * cairn-witness-<8 random hex digits>}) if there are none.
   *
   * @throws IllegalArgumentException if {@code name} differs from the stored name, or is not a
   *     valid key name
   * @throws IOException if the files cannot be read or written, or are damaged (named)
   */
  public static WitnessKeys openOrCreate(Path dataDir, Optional<String> name,
      SecureRandom random) throws IOException {
    Path keysDir = dataDir.resolve("keys");
    Path file = keysDir.resolve(KEYS_FILE);
    WitnessKeys keys;
    if (Files.exists(file)) {
      keys = read(file);
      if (name.isPresent() && !name.get().equals(keys.name())) {
        throw new IllegalArgumentException("this data directory's witness is named \""
            + keys.name() + "\", not \"" + name.get() + "\": a witness keeps its name and keys;"
            + " drop --name, or use another data directory for a new witness");
      }
    } else {
      String n = name.orElseGet(() -> "cairn-witness-"
          + HexFormat.of().toHexDigits(random.nextInt()));
      keys = new WitnessKeys(SignerKey.generate(n, SignatureType.COSIGNATURE_V1, random),
          SignerKey.generate(n, SignatureType.MLDSA44_SUBTREE_V1, random), true);
      AtomicFiles.createOwnerOnlyDirectory(keysDir);
      Path tmp = AtomicFiles.writeTemp(file, (keys.cosignature.encode() + "\n"
          + keys.subtree.encode() + "\n").getBytes(StandardCharsets.UTF_8), keysDir, true);
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

  private static WitnessKeys read(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
        .filter(l -> !l.isBlank()).toList();
    if (lines.size() != 2) {
      throw new IOException(file + " must hold two signer keys, one per line, found "
          + lines.size() + " lines");
    }
    SignerKey a;
    SignerKey b;
    try {
      a = SignerKey.parse(lines.get(0));
      b = SignerKey.parse(lines.get(1));
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage());
    }
    if (a.type() != SignatureType.COSIGNATURE_V1 || b.type() != SignatureType.MLDSA44_SUBTREE_V1
        || !a.name().equals(b.name())) {
      throw new IOException(file + " must hold a cosignature/v1 key, then a subtree/v1 key, of"
          + " one name; found " + a + " and " + b);
    }
    return new WitnessKeys(a, b, false);
  }

  /** The witness's name, which both keys carry. */
  public String name() {
    return cosignature.name();
  }

  /** Whether {@link #openOrCreate} created the keys. */
  public boolean created() {
    return created;
  }

  /** The Ed25519 {@code cosignature/v1} key, then the ML-DSA-44 {@code subtree/v1} key. */
  public List<VerifierKey> verifierKeys() {
    return List.of(cosignature.verifierKey(), subtree.verifierKey());
  }

  /** Signers for both keys, in the order of {@link #verifierKeys}, timestamping with clock. */
  List<NoteSigner> signers(Clock clock) {
    return List.of(cosignature.signer(clock), subtree.signer(clock));
  }
}
