package dev.cairn.log.keys;

import dev.cairn.log.storage.embedded.AtomicFiles;
import dev.cairn.note.KeyNames;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifierKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The log's keys in its data directory: private key files under {@code keys/}, readable by their
 * owner alone, and {@code log.vkey}, the active verifier keys copied out for operators. A new
 * log's {@code keys} directory — its first keys and its first ring — appears complete or not at
 * all.
 */
public final class KeyDirectory {
  /** The Ed25519 key file of a new log, and of every log from before key rotation. */
  public static final String ED25519_FILE = "log.skey";
  /** The ML-DSA-44 key file of a new log, and of every log from before key rotation. */
  public static final String MLDSA_FILE = "log-mldsa44.skey";
  private static final String VKEY_FILE = "log.vkey";

  private final Path dataDir;
  private final Path keys;

  /** The key files of the log in {@code dataDir}. */
  public KeyDirectory(Path dataDir) {
    this.dataDir = dataDir;
    this.keys = dataDir.resolve("keys");
  }

  /** Whether the log has keys; a log without them is new. */
  public boolean exists() {
    return Files.exists(keys);
  }

  /**
   * Creates a new log's keys: a new Ed25519 key file (or the key labelled {@code hsmLabel} on the
   * token instead), a new ML-DSA-44 key file, and the ring listing them. They are written to
   * {@code keys.tmp}, synced, and the directory renamed to {@code keys}: a crash leaves either no
   * key directory (the next start creates one, discarding what {@code keys.tmp} holds) or a
   * complete one.
   *
   * @throws IOException if {@code origin} is not a valid key name, the token's key cannot be
   *     used, or the files cannot be written
   */
  public void create(String origin, Optional<String> hsmLabel, Optional<Pkcs11Token> token,
      Clock clock) throws IOException {
    if (!KeyNames.isValid(origin)) {
      throw new IOException("invalid origin \"" + origin
          + "\": use a schema-less URL such as example.com/log, without spaces or '+'");
    }
    SecureRandom random = new SecureRandom();
    Path tmp = dataDir.resolve("keys.tmp");
    if (Files.exists(tmp)) {
      AtomicFiles.deleteRecursively(tmp);
    }
    AtomicFiles.createOwnerOnlyDirectory(tmp); // renamed to keys/ below
    List<KeyRing.Entry> entries = new ArrayList<>();
    if (hsmLabel.isPresent()) {
      VerifierKey vk = token.orElseThrow().verifierKey(origin, hsmLabel.get());
      entries.add(KeyRing.Entry.onToken(vk, hsmLabel.get(), clock.instant()));
    } else {
      SignerKey ed = SignerKey.generate(origin, SignatureType.ED25519, random);
      writeNew(tmp.resolve(ED25519_FILE), ed.encode() + "\n", true);
      entries.add(KeyRing.Entry.inFile(ed.verifierKey(), ED25519_FILE, clock.instant()));
    }
    SignerKey ml = SignerKey.generate(origin, SignatureType.MLDSA44_SUBTREE_V1, random);
    writeNew(tmp.resolve(MLDSA_FILE), ml.encode() + "\n", true);
    entries.add(KeyRing.Entry.inFile(ml.verifierKey(), MLDSA_FILE, clock.instant()));
    // The first ring goes in with the keys it lists: LocalKeyRingStore reads it from there.
    writeNew(tmp.resolve(Path.of(KeyRing.FILE).getFileName()), new String(
        new KeyRing(1, entries).encode(), StandardCharsets.UTF_8), false);
    AtomicFiles.syncDirectory(tmp);
    Files.move(tmp, keys, StandardCopyOption.ATOMIC_MOVE);
    AtomicFiles.syncDirectory(dataDir);
  }

  /**
   * The key in {@code keys/<file>}.
   *
   * @throws IOException if it is missing, unreadable or not of {@code type}
   */
  public SignerKey read(String file, SignatureType type) throws IOException {
    Path path = keys.resolve(file);
    if (!Files.exists(path)) {
      throw new IOException("the log's key file " + path + " is missing");
    }
    SignerKey k;
    try {
      k = SignerKey.parse(Files.readString(path, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      throw new IOException("the key file " + path + " is unreadable: " + e.getMessage());
    }
    if (k.type() != type) {
      throw new IOException("the key file " + path + " holds a " + k.type() + " key, expected "
          + type);
    }
    return k;
  }

  /** The file name a key added by rotation gets: its type and key ID. */
  public static String fileName(SignerKey k) {
    return (k.type() == SignatureType.ED25519 ? "log-" : "log-mldsa44-")
        + KeyNames.hex(k.keyId()) + ".skey";
  }

  /** Writes {@code k} to the new file {@code keys/<file>}, owner-only, and syncs the directory. */
  public void write(String file, SignerKey k) throws IOException {
    writeNew(keys.resolve(file), k.encode() + "\n", true);
    AtomicFiles.syncDirectory(keys);
  }

  /**
   * Writes {@code log.vkey}, the active keys of {@code ring} in signing order, if it is missing
   * or out of date: replaced atomically, it holds the old list or the new one.
   */
  public void writeVerifierKeys(KeyRing ring) throws IOException {
    Path file = dataDir.resolve(VKEY_FILE);
    String text = String.join("\n", ring.signingOrder().stream()
        .map(e -> e.key().encode()).toList()) + "\n";
    if (Files.exists(file) && Files.readString(file, StandardCharsets.UTF_8).equals(text)) {
      return;
    }
    Path tmp = dataDir.resolve(VKEY_FILE + ".tmp");
    Files.deleteIfExists(tmp);
    writeNew(tmp, text, false);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    AtomicFiles.syncDirectory(dataDir);
  }

  /** The path of {@code log.vkey}, for messages. */
  public Path verifierKeyFile() {
    return dataDir.resolve(VKEY_FILE);
  }

  /** The keys listed in the {@code log.vkey} of {@code dir} (a data directory or a backup). */
  public static List<String> readVerifierKeys(Path dir) throws IOException {
    return Files.readAllLines(dir.resolve(VKEY_FILE), StandardCharsets.UTF_8).stream()
        .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
  }

  private static void writeNew(Path file, String text, boolean secret) throws IOException {
    AtomicFiles.createNew(file, text.getBytes(StandardCharsets.UTF_8), secret);
  }

  @Override
  public String toString() {
    return "the key directory " + keys;
  }
}
