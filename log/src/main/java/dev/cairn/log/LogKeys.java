package dev.cairn.log;

import dev.cairn.note.KeyNames;
import dev.cairn.note.NoteSigner;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifierKey;
import dev.cairn.log.keys.HsmSettings;
import dev.cairn.log.keys.KeyRing;
import dev.cairn.log.keys.Pkcs11Token;
import dev.cairn.log.storage.embedded.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The log's identity: its origin and its checkpoint keys, all named for the origin. A new log
 * gets an Ed25519 key in {@code keys/log.skey} (or the Ed25519 or ECDSA P-256 key of a label on
 * a PKCS#11 token) and
 * an ML-DSA-44 key in {@code keys/log-mldsa44.skey}; the {@link KeyRing} in {@code
 * keys/ring.json} says which keys are active (they sign every checkpoint) and which are retired
 * (checkpoints they signed still verify). Keys are added by {@link #rotate} and retired by
 * {@link #retire}; {@code log.vkey} lists the active keys. The {@code keys} directory of a new
 * log appears complete or not at all. Thread-safe.
 */
public final class LogKeys {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LogKeys.class);
  static final String ED25519_FILE = "keys/log.skey";
  static final String MLDSA_FILE = "keys/log-mldsa44.skey";
  static final String VKEY_FILE = "log.vkey";

  private final Path dir;
  private final String origin;
  private final Optional<Pkcs11Token> token;
  private final Clock clock;
  private volatile State state;

  private record State(KeyRing ring, List<NoteSigner> signers) {}

  private LogKeys(Path dir, String origin, Optional<Pkcs11Token> token, Clock clock,
      State state) {
    this.dir = dir;
    this.origin = origin;
    this.token = token;
    this.clock = clock;
    this.state = state;
  }

  /** Loads the keys of the log in {@code dir}, or creates them, with file keys only. */
  public static LogKeys loadOrCreate(Path dir, Optional<String> origin) throws IOException {
    return loadOrCreate(dir, origin, Optional.empty(), Clock.systemUTC());
  }

  /**
   * Loads the keys of the log in {@code dir}, or creates them for a new log.
   *
   * @param origin the origin a new log gets (a random {@code localhost/cairn-...} name if
   *     empty); for an existing log it must match, if given
   * @param hsm the PKCS#11 token, needed when the ring has HSM keys; its new-log key replaces
   *     the Ed25519 file key of a new log
   * @param clock the clock for cosignature timestamps and ring times
   * @throws IOException if the keys are unreadable, inconsistent, for another origin, or an
   *     HSM key cannot be used
   */
  public static LogKeys loadOrCreate(Path dir, Optional<String> origin,
      Optional<HsmSettings> hsm, Clock clock) throws IOException {
    Optional<Pkcs11Token> token = hsm.isPresent()
        ? Optional.of(Pkcs11Token.open(hsm.get())) : Optional.empty();
    if (!Files.exists(dir.resolve("keys"))) {
      create(dir, origin.orElseGet(LogKeys::randomOrigin), token,
          hsm.flatMap(HsmSettings::newLogKey), clock);
    }
    Path ringFile = dir.resolve(KeyRing.FILE);
    KeyRing ring;
    if (Files.exists(ringFile)) {
      ring = KeyRing.parse(Files.readAllBytes(ringFile));
    } else {
      // A log from before key rotation: its two key files are the ring.
      ring = firstRing(List.of(
          fileEntry(read(dir.resolve(ED25519_FILE), SignatureType.ED25519), "log.skey", clock),
          fileEntry(read(dir.resolve(MLDSA_FILE), SignatureType.MLDSA44_SUBTREE_V1),
              "log-mldsa44.skey", clock)));
      AtomicFiles.write(ringFile, ring.encode(), dir.resolve("keys"));
    }
    String name = ring.keys().get(0).key().name();
    for (KeyRing.Entry e : ring.keys()) {
      if (!e.key().name().equals(name)) {
        throw new IOException("the keys in " + ringFile + " name different origins: " + name
            + " and " + e.key().name());
      }
    }
    if (origin.isPresent() && !origin.get().equals(name)) {
      throw new IOException("the log in " + dir + " has origin " + name
          + ", not " + origin.get() + " (the origin cannot change)");
    }
    LogKeys keys = new LogKeys(dir, name, token, clock, null);
    keys.state = keys.load(ring);
    keys.writeVerifierKeys();
    return keys;
  }

  private static String randomOrigin() {
    byte[] b = new byte[4];
    new SecureRandom().nextBytes(b);
    return "localhost/cairn-" + java.util.HexFormat.of().formatHex(b);
  }

  private static KeyRing firstRing(List<KeyRing.Entry> entries) {
    return new KeyRing(1, entries);
  }

  private static KeyRing.Entry fileEntry(SignerKey k, String file, Clock clock) {
    return new KeyRing.Entry(k.verifierKey().encode(), KeyRing.State.ACTIVE, file, null,
        clock.instant().toString(), null);
  }

  /**
   * Creates the keys and the ring in a temporary directory and renames it to {@code keys/}: a
   * crash leaves either no key directory (the next start creates one) or a complete one.
   */
  private static void create(Path dir, String origin, Optional<Pkcs11Token> token,
      Optional<String> hsmLabel, Clock clock) throws IOException {
    if (!KeyNames.isValid(origin)) {
      throw new IOException("invalid origin \"" + origin
          + "\": use a schema-less URL such as example.com/log, without spaces or '+'");
    }
    SecureRandom random = new SecureRandom();
    Path tmp = dir.resolve("keys.tmp");
    if (Files.exists(tmp)) {
      AtomicFiles.deleteRecursively(tmp);
    }
    Files.createDirectory(tmp);
    List<KeyRing.Entry> entries = new ArrayList<>();
    if (hsmLabel.isPresent()) {
      VerifierKey vk = token.orElseThrow().verifierKey(origin, hsmLabel.get());
      entries.add(new KeyRing.Entry(vk.encode(), KeyRing.State.ACTIVE, null, hsmLabel.get(),
          clock.instant().toString(), null));
    } else {
      SignerKey ed = SignerKey.generate(origin, SignatureType.ED25519, random);
      writeNew(tmp.resolve("log.skey"), ed.encode() + "\n", true);
      entries.add(fileEntry(ed, "log.skey", clock));
    }
    SignerKey ml = SignerKey.generate(origin, SignatureType.MLDSA44_SUBTREE_V1, random);
    writeNew(tmp.resolve("log-mldsa44.skey"), ml.encode() + "\n", true);
    entries.add(fileEntry(ml, "log-mldsa44.skey", clock));
    writeNew(tmp.resolve("ring.json"), new String(firstRing(entries).encode(),
        StandardCharsets.UTF_8), false);
    AtomicFiles.syncDirectory(tmp);
    Files.move(tmp, dir.resolve("keys"), StandardCopyOption.ATOMIC_MOVE);
    AtomicFiles.syncDirectory(dir);
  }

  /** Opens a signer for every active key of {@code ring}, classical keys first. */
  private State load(KeyRing ring) throws IOException {
    List<KeyRing.Entry> active = new ArrayList<>(ring.active());
    active.sort(Comparator.comparing(e -> e.key().type() == SignatureType.MLDSA44_SUBTREE_V1));
    List<NoteSigner> signers = new ArrayList<>();
    for (KeyRing.Entry e : active) {
      VerifierKey vk = e.key();
      if (!vk.name().equals(origin)) {
        throw new IOException("key " + e.describe() + " is not named for the origin " + origin);
      }
      if (e.file() != null) {
        SignerKey k = read(dir.resolve("keys").resolve(e.file()), vk.type());
        if (!k.verifierKey().equals(vk)) {
          throw new IOException("the key file keys/" + e.file() + " holds "
              + KeyRing.describe(k.verifierKey()) + ", but the key ring records " + e.describe());
        }
        signers.add(k.signer(clock));
      } else {
        Pkcs11Token t = token.orElseThrow(() -> new IOException("the key ring lists the HSM key \""
            + e.pkcs11Label() + "\" (" + e.describe() + "): start with --pkcs11-library,"
            + " --pkcs11-token and --pkcs11-pin-file"));
        signers.add(t.signer(origin, e.pkcs11Label(), Optional.of(vk)));
      }
    }
    return new State(ring, List.copyOf(signers));
  }

  /** Writes {@code log.vkey} (the active keys) if it is missing or out of date. */
  private void writeVerifierKeys() throws IOException {
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

  /**
   * Sees a change to the key ring before anything of it is written: it may refuse it, and it
   * records what is about to happen (so that no change takes effect unrecorded).
   */
  @FunctionalInterface
  public interface Approval {
    /**
     * @param next the ring as it would be after the change
     * @param change what changes, e.g. "added example.com/log+0a1b2c3d (ED25519)"
     * @throws IllegalArgumentException to refuse the change (the message says why)
     * @throws IOException if the change cannot be recorded (it is then not made)
     */
    void approve(KeyRing next, String change) throws IOException;
  }

  /**
   * Adds a new active key: from the next checkpoint on, it signs beside the keys already
   * active (the overlap), until the old one is {@link #retire retired}.
   *
   * @param type Ed25519 (the default) or ML-DSA-44 for a new file key; for an HSM key, if
   *     given, the type the token's key must have
   * @param pkcs11Label the label of an Ed25519 or ECDSA P-256 key on the PKCS#11 token, to add
   *     that key instead of a new file key
   * @param approval sees the new ring before the key or the ring is written
   * @return the new key's ring entry
   * @throws IllegalArgumentException if the request is not possible or not approved (named)
   * @throws IOException if the key or the ring cannot be written
   */
  public synchronized KeyRing.Entry rotate(Optional<SignatureType> type,
      Optional<String> pkcs11Label, Approval approval) throws IOException {
    KeyRing.Entry entry;
    if (pkcs11Label.isPresent()) {
      Pkcs11Token t = token.orElseThrow(() -> new IllegalArgumentException(
          "this log was started without a PKCS#11 token (--pkcs11-library, --pkcs11-token)"));
      VerifierKey vk;
      try {
        vk = t.verifierKey(origin, pkcs11Label.get());
      } catch (IOException e) {
        throw new IllegalArgumentException(e.getMessage(), e); // the request names a bad key
      }
      if (type.isPresent() && type.get() != vk.type()) {
        throw new IllegalArgumentException("the PKCS#11 key \"" + pkcs11Label.get() + "\" is "
            + vk.type() + ", not " + type.get());
      }
      entry = new KeyRing.Entry(vk.encode(), KeyRing.State.ACTIVE, null, pkcs11Label.get(),
          clock.instant().toString(), null);
      approval.approve(state.ring().with(entry), "added " + entry.describe());
    } else {
      SignatureType t = type.orElse(SignatureType.ED25519);
      if (t != SignatureType.ED25519 && t != SignatureType.MLDSA44_SUBTREE_V1) {
        throw new IllegalArgumentException("a new key file is Ed25519 or ML-DSA-44; an " + t
            + " key lives on the PKCS#11 token: name its label");
      }
      SignerKey k = SignerKey.generate(origin, t, new SecureRandom());
      String file = (t == SignatureType.ED25519 ? "log-" : "log-mldsa44-")
          + KeyNames.hex(k.keyId()) + ".skey";
      entry = fileEntry(k, file, clock);
      approval.approve(state.ring().with(entry), "added " + entry.describe());
      Path keysDir = dir.resolve("keys");
      writeNew(keysDir.resolve(file), k.encode() + "\n", true);
      AtomicFiles.syncDirectory(keysDir);
    }
    commit(state.ring().with(entry));
    return entry;
  }

  /**
   * Retires the active key with this key ID: it signs no further checkpoint, but stays in the
   * ring so that the checkpoints it signed still verify.
   *
   * @param approval sees the new ring before it is written
   * @throws IllegalArgumentException if no active key has that ID, it is the last of its kind,
   *     or the change is not approved
   */
  public synchronized KeyRing.Entry retire(int keyId, Approval approval) throws IOException {
    KeyRing next = state.ring().retire(keyId, clock.instant());
    KeyRing.Entry retired = next.keys().stream()
        .filter(e -> e.state() == KeyRing.State.RETIRED && e.key().keyId() == keyId)
        .findFirst().orElseThrow();
    approval.approve(next, "retired " + retired.describe());
    commit(next);
    return retired;
  }

  /**
   * Opens the signers of {@code next}, writes it (from then on the change stands), uses it and
   * rewrites {@code log.vkey}. That file only copies the ring's active keys for operators: if
   * it cannot be written now, a warning says so and the next start rewrites it.
   */
  private void commit(KeyRing next) throws IOException {
    State loaded = load(next);
    Path ringFile = dir.resolve(KeyRing.FILE);
    AtomicFiles.rename(AtomicFiles.writeTemp(ringFile, next.encode(), dir.resolve("keys")),
        ringFile);
    // Renamed into place, the next start uses it: so must we, even if the sync below fails.
    state = loaded;
    try {
      AtomicFiles.syncDirectory(ringFile.getParent());
    } catch (IOException e) {
      LOG.warn("the key ring {} is in place, but its directory could not be synced ({}); the"
          + " change stands", ringFile, e.toString());
    }
    try {
      writeVerifierKeys();
    } catch (IOException e) {
      LOG.warn("the key ring changed, but {} could not be rewritten ({}); the next start"
          + " rewrites it", dir.resolve(VKEY_FILE), e.toString());
    }
  }

  /** The origin, which is also the keys' name. */
  public String origin() {
    return origin;
  }

  /** The key ring as it is now. */
  public KeyRing ring() {
    return state.ring();
  }

  /** The signers of the active keys, classical first, then ML-DSA-44. */
  public List<NoteSigner> signers() {
    return state.signers();
  }

  /** The signers of the active keys (the clock was given at load). */
  public List<NoteSigner> signers(Clock ignored) {
    return signers();
  }

  /**
   * Every key the log has signed with, active or retired: what checks the log's own checkpoints.
   */
  public List<VerifierKey> verifierKeyList() {
    return state.ring().all();
  }

  /** The active keys as text, classical first: {@code log.vkey}. */
  public List<String> verifierKeys() {
    return state.signers().stream().map(s -> activeKey(s).encode()).toList();
  }

  private VerifierKey activeKey(NoteSigner s) {
    return state.ring().active().stream().map(KeyRing.Entry::key)
        .filter(k -> k.name().equals(s.name()) && k.keyId() == s.keyId() && k.type() == s.type())
        .findFirst().orElseThrow();
  }

  /**
   * The keys that verify a log's own history: those of its key ring if it has one, else those
   * of {@code log.vkey} (a log or backup from before key rotation).
   */
  public static List<String> historyKeys(Path dir) throws IOException {
    Path ring = dir.resolve(KeyRing.FILE);
    if (Files.exists(ring)) {
      return KeyRing.parse(Files.readAllBytes(ring)).all().stream().map(VerifierKey::encode)
          .toList();
    }
    return Files.readAllLines(dir.resolve(VKEY_FILE), StandardCharsets.UTF_8).stream()
        .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
  }
}
