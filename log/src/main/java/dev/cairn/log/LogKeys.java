package dev.cairn.log;

import dev.cairn.log.keys.HsmSettings;
import dev.cairn.log.keys.KeyDirectory;
import dev.cairn.log.keys.KeyRing;
import dev.cairn.log.keys.KeyRingStore;
import dev.cairn.log.keys.KeyRotation;
import dev.cairn.log.keys.LocalKeyRingStore;
import dev.cairn.log.keys.Pkcs11Token;
import dev.cairn.log.keys.PreRingMigration;
import dev.cairn.log.keys.RingSigners;
import dev.cairn.note.NoteSigner;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.VerifierKey;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The log's identity: its origin and its checkpoint keys, all named for the origin. This wires
 * the parts of {@link dev.cairn.log.keys} together for the log in a data directory: a new log's
 * keys ({@link KeyDirectory}), the key ring in {@code keys/ring.json} ({@link LocalKeyRingStore};
 * a log from before rotation gets one, {@link PreRingMigration}), the signers of its active keys
 * ({@link RingSigners}, file keys and PKCS#11 keys) and its changes ({@link KeyRotation});
 * {@code log.vkey} lists the active keys. Thread-safe.
 */
public final class LogKeys {
  private final String origin;
  private final KeyRotation rotation;

  private LogKeys(String origin, KeyRotation rotation) {
    this.origin = origin;
    this.rotation = rotation;
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
    KeyDirectory files = new KeyDirectory(dir);
    if (!files.exists()) {
      files.create(origin.orElseGet(LogKeys::randomOrigin), hsm.flatMap(HsmSettings::newLogKey),
          token, clock);
    }
    KeyRingStore store = new LocalKeyRingStore(dir);
    KeyRingStore.Stored stored = PreRingMigration.load(store, files, clock);
    String name = originOf(stored.ring(), store);
    if (origin.isPresent() && !origin.get().equals(name)) {
      throw new IOException("the log in " + dir + " has origin " + name
          + ", not " + origin.get() + " (the origin cannot change)");
    }
    KeyRotation rotation = KeyRotation.open(name, store, stored,
        new RingSigners(name, files, token, clock), files, token, clock);
    files.writeVerifierKeys(rotation.ring());
    return new LogKeys(name, rotation);
  }

  private static String randomOrigin() {
    byte[] b = new byte[4];
    new SecureRandom().nextBytes(b);
    return "localhost/cairn-" + HexFormat.of().formatHex(b);
  }

  /** The name every key of {@code ring} has: the log's origin. */
  private static String originOf(KeyRing ring, KeyRingStore store) throws IOException {
    String name = ring.keys().get(0).key().name();
    for (KeyRing.Entry e : ring.keys()) {
      if (!e.key().name().equals(name)) {
        throw new IOException("the keys in " + store + " name different origins: " + name
            + " and " + e.key().name());
      }
    }
    return name;
  }

  /**
   * Sees a change to the key ring before anything of it is written: it may refuse it, and it
   * records what is about to happen (see {@link KeyRotation.Approval}).
   */
  @FunctionalInterface
  public interface Approval extends KeyRotation.Approval {}

  /**
   * Adds a new active key: from the next checkpoint on, it signs beside the keys already
   * active (the overlap), until the old one is {@link #retire retired}. See {@link
   * KeyRotation#rotate}.
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
  public KeyRing.Entry rotate(Optional<SignatureType> type, Optional<String> pkcs11Label,
      Approval approval) throws IOException {
    return rotation.rotate(type, pkcs11Label, approval);
  }

  /**
   * Retires the active key with this key ID: it signs no further checkpoint, but stays in the
   * ring so that the checkpoints it signed still verify. See {@link KeyRotation#retire}.
   *
   * @param approval sees the new ring before it is written
   * @throws IllegalArgumentException if no active key has that ID, it is the last of its kind,
   *     or the change is not approved
   */
  public KeyRing.Entry retire(int keyId, Approval approval) throws IOException {
    return rotation.retire(keyId, approval);
  }

  /** The origin, which is also the keys' name. */
  public String origin() {
    return origin;
  }

  /** The key ring as it is now. */
  public KeyRing ring() {
    return rotation.ring();
  }

  /**
   * Signs a checkpoint (or any note) with the active keys; once a {@link #retire} has returned,
   * the retired key signs nothing more. See {@link KeyRotation#sign}.
   */
  public SignedNote sign(String text) {
    return rotation.sign(text);
  }

  /** The signers of the active keys, classical first, then ML-DSA-44. */
  public List<NoteSigner> signers() {
    return rotation.signers();
  }

  /** The signers of the active keys (the clock was given at load). */
  public List<NoteSigner> signers(Clock ignored) {
    return signers();
  }

  /**
   * Every key the log has signed with, active or retired: what checks the log's own checkpoints.
   */
  public List<VerifierKey> verifierKeyList() {
    return rotation.ring().all();
  }

  /** The active keys as text, classical first: {@code log.vkey}. */
  public List<String> verifierKeys() {
    return rotation.ring().signingOrder().stream().map(e -> e.key().encode()).toList();
  }

  /**
   * The keys that verify a log's own history: those of its key ring if it has one, else those
   * of {@code log.vkey} (a log or backup from before key rotation).
   */
  public static List<String> historyKeys(Path dir) throws IOException {
    Optional<KeyRingStore.Stored> ring = new LocalKeyRingStore(dir).load();
    if (ring.isPresent()) {
      return ring.get().ring().all().stream().map(VerifierKey::encode).toList();
    }
    return KeyDirectory.readVerifierKeys(dir);
  }
}
