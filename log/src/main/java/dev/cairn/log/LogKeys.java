package dev.cairn.log;

import dev.cairn.note.KeyNames;
import dev.cairn.note.NoteSigner;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifierKey;
import dev.cairn.storage.local.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * The log's identity: its origin and its checkpoint keys, an Ed25519 key in {@code
 * keys/log.skey} and an ML-DSA-44 key in {@code keys/log-mldsa44.skey}, both named for the
 * origin. Created with the data directory (all at once: the {@code keys} directory appears
 * complete or not at all); the verifier keys are kept in {@code log.vkey}.
 */
public final class LogKeys {
  static final String ED25519_FILE = "keys/log.skey";
  static final String MLDSA_FILE = "keys/log-mldsa44.skey";
  static final String VKEY_FILE = "log.vkey";

  private final String origin;
  private final SignerKey ed25519;
  private final SignerKey mlDsa44;

  private LogKeys(SignerKey ed25519, SignerKey mlDsa44) {
    this.origin = ed25519.name();
    this.ed25519 = ed25519;
    this.mlDsa44 = mlDsa44;
  }

  /**
   * Loads the keys of the log in {@code dir}, or creates them for a new log.
   *
   * @param origin the origin a new log gets (a random {@code localhost/cairn-...} name if
   *     empty); for an existing log it must match, if given
   * @throws IOException if the keys are unreadable, inconsistent, or for another origin
   */
  public static LogKeys loadOrCreate(Path dir, Optional<String> origin) throws IOException {
    Path ed = dir.resolve(ED25519_FILE);
    Path ml = dir.resolve(MLDSA_FILE);
    if (!Files.exists(dir.resolve("keys"))) {
      create(dir, origin.orElseGet(LogKeys::randomOrigin));
    }
    LogKeys keys = new LogKeys(read(ed, SignatureType.ED25519), read(ml,
        SignatureType.MLDSA44_SUBTREE_V1));
    if (!keys.ed25519.name().equals(keys.mlDsa44.name())) {
      throw new IOException("the keys in " + dir.resolve("keys") + " name different origins: "
          + keys.ed25519.name() + " and " + keys.mlDsa44.name());
    }
    if (origin.isPresent() && !origin.get().equals(keys.origin)) {
      throw new IOException("the log in " + dir + " has origin " + keys.origin
          + ", not " + origin.get() + " (the origin cannot change)");
    }
    keys.writeVerifierKeys(dir);
    return keys;
  }

  private static String randomOrigin() {
    byte[] b = new byte[4];
    new SecureRandom().nextBytes(b);
    return "localhost/cairn-" + java.util.HexFormat.of().formatHex(b);
  }

  /**
   * Creates both keys in a temporary directory and renames it to {@code keys/}: a crash leaves
   * either no key directory (the next start creates one) or a complete one.
   */
  private static void create(Path dir, String origin) throws IOException {
    if (!KeyNames.isValid(origin)) {
      throw new IOException("invalid origin \"" + origin
          + "\": use a schema-less URL such as example.com/log, without spaces or '+'");
    }
    SecureRandom random = new SecureRandom();
    SignerKey ed = SignerKey.generate(origin, SignatureType.ED25519, random);
    SignerKey ml = SignerKey.generate(origin, SignatureType.MLDSA44_SUBTREE_V1, random);
    Path tmp = dir.resolve("keys.tmp");
    if (Files.exists(tmp)) {
      try (var old = Files.list(tmp)) {
        for (Path p : (Iterable<Path>) old::iterator) {
          Files.delete(p);
        }
      }
      Files.delete(tmp);
    }
    Files.createDirectory(tmp);
    writeNew(tmp.resolve(Path.of(ED25519_FILE).getFileName()), ed.encode() + "\n", true);
    writeNew(tmp.resolve(Path.of(MLDSA_FILE).getFileName()), ml.encode() + "\n", true);
    AtomicFiles.syncDirectory(tmp);
    Files.move(tmp, dir.resolve("keys"), StandardCopyOption.ATOMIC_MOVE);
    AtomicFiles.syncDirectory(dir);
  }

  /** Writes {@code log.vkey} if it is missing or out of date. */
  private void writeVerifierKeys(Path dir) throws IOException {
    Path file = dir.resolve(VKEY_FILE);
    String text = String.join("\n", verifierKeys()) + "\n";
    if (Files.exists(file) && Files.readString(file, StandardCharsets.UTF_8).equals(text)) {
      return;
    }
    Path tmp = dir.resolve(VKEY_FILE + ".tmp");
    Files.deleteIfExists(tmp);
    writeNew(tmp, text, false);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    AtomicFiles.syncDirectory(dir);
  }

  private static SignerKey read(Path file, SignatureType type) throws IOException {
    if (!Files.exists(file)) {
      throw new IOException("the log's key file " + file + " is missing");
    }
    SignerKey k;
    try {
      k = SignerKey.parse(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      throw new IOException("the key file " + file + " is unreadable: " + e.getMessage());
    }
    if (k.type() != type) {
      throw new IOException("the key file " + file + " holds a " + k.type() + " key, expected "
          + type);
    }
    return k;
  }

  private static void writeNew(Path file, String text, boolean secret) throws IOException {
    AtomicFiles.createNew(file, text.getBytes(StandardCharsets.UTF_8), secret);
  }

  /** The origin, which is also the keys' name. */
  public String origin() {
    return origin;
  }

  /** The checkpoint signers: Ed25519 first, then ML-DSA-44. */
  public List<NoteSigner> signers(Clock clock) {
    return List.of(ed25519.signer(clock), mlDsa44.signer(clock));
  }

  /** The verifier keys, Ed25519 first. */
  public List<VerifierKey> verifierKeyList() {
    return List.of(ed25519.verifierKey(), mlDsa44.verifierKey());
  }

  /** The verifier keys as text, Ed25519 first. */
  public List<String> verifierKeys() {
    return verifierKeyList().stream().map(VerifierKey::encode).toList();
  }
}
