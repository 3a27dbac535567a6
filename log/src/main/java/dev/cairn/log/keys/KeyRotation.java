package dev.cairn.log.keys;

import dev.cairn.log.storage.Version;
import dev.cairn.note.NoteSigner;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifierKey;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The key ring in use and the changes to it: a key added by {@link #rotate} signs beside the
 * active ones from the next checkpoint on (the overlap) until the old one is {@link #retire
 * retired}. Each change is approved before anything of it is written, committed to the {@link
 * KeyRingStore} against the version this log loaded, and used from then on. Thread-safe.
 */
public final class KeyRotation {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(
      KeyRotation.class);

  private final String origin;
  private final KeyRingStore store;
  private final RingSigners signers;
  private final KeyDirectory files;
  private final Optional<Pkcs11Token> token;
  private final Clock clock;
  private volatile State state;
  /**
   * Read-held by each signature, write-held to put a new ring in use: a change waits for the
   * signatures under way with the ring before it, and signatures after it use the new ring.
   */
  private final ReadWriteLock signing = new ReentrantReadWriteLock();

  private record State(KeyRing ring, Version version, List<NoteSigner> signers) {}

  private KeyRotation(String origin, KeyRingStore store, RingSigners signers, KeyDirectory files,
      Optional<Pkcs11Token> token, Clock clock, State state) {
    this.origin = origin;
    this.store = store;
    this.signers = signers;
    this.files = files;
    this.token = token;
    this.clock = clock;
    this.state = state;
  }

  /**
   * Uses {@code stored}, the ring as {@code store} holds it, opening a signer for each of its
   * active keys.
   *
   * @param files where new key files go, and {@code log.vkey}
   * @param token the token HSM keys are added from, if the log was started with one
   * @throws IOException if an active key cannot sign
   */
  public static KeyRotation open(String origin, KeyRingStore store, KeyRingStore.Stored stored,
      RingSigners signers, KeyDirectory files, Optional<Pkcs11Token> token, Clock clock)
      throws IOException {
    return new KeyRotation(origin, store, signers, files, token, clock,
        new State(stored.ring(), stored.version(), signers.open(stored.ring())));
  }

  /** The key ring in use. */
  public KeyRing ring() {
    return state.ring();
  }

  /** The signers of the ring's active keys, in its signing order. */
  public List<NoteSigner> signers() {
    return state.signers();
  }

  /**
   * Signs {@code text} with the ring's active keys. A change to the ring waits for the
   * signatures under way, so once {@link #retire} has returned no note signed afterwards
   * carries the retired key (nor lacks a key {@link #rotate} added).
   */
  public SignedNote sign(String text) {
    signing.readLock().lock();
    try {
      return SignedNote.sign(text, state.signers());
    } finally {
      signing.readLock().unlock();
    }
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
   * Adds a new active key: a new key file (written once approved), or a key on the token.
   *
   * @param type Ed25519 (the default) or ML-DSA-44 for a new file key; for an HSM key, if
   *     given, the type the token's key must have
   * @param pkcs11Label the label of an Ed25519 or ECDSA P-256 key on the PKCS#11 token, to add
   *     that key instead of a new file key
   * @return the new key's ring entry
   * @throws IllegalArgumentException if the request is not possible or not approved (named)
   * @throws IOException if the key or the ring cannot be written
   */
  public synchronized KeyRing.Entry rotate(Optional<SignatureType> type,
      Optional<String> pkcs11Label, Approval approval) throws IOException {
    KeyRing.Entry entry;
    if (pkcs11Label.isPresent()) {
      entry = KeyRing.Entry.onToken(tokenKey(type, pkcs11Label.get()), pkcs11Label.get(),
          clock.instant());
      approval.approve(state.ring().with(entry), "added " + entry.describe());
    } else {
      SignerKey k = SignerKey.generate(origin, fileKeyType(type), new SecureRandom());
      String file = KeyDirectory.fileName(k);
      entry = KeyRing.Entry.inFile(k.verifierKey(), file, clock.instant());
      approval.approve(state.ring().with(entry), "added " + entry.describe());
      files.write(file, k);
    }
    commit(state.ring().with(entry));
    return entry;
  }

  private VerifierKey tokenKey(Optional<SignatureType> type, String label) {
    Pkcs11Token t = token.orElseThrow(() -> new IllegalArgumentException(
        "this log was started without a PKCS#11 token (--pkcs11-library, --pkcs11-token)"));
    VerifierKey vk;
    try {
      vk = t.verifierKey(origin, label);
    } catch (IOException e) {
      throw new IllegalArgumentException(e.getMessage(), e); // the request names a bad key
    }
    if (type.isPresent() && type.get() != vk.type()) {
      throw new IllegalArgumentException("the PKCS#11 key \"" + label + "\" is " + vk.type()
          + ", not " + type.get());
    }
    return vk;
  }

  private static SignatureType fileKeyType(Optional<SignatureType> type) {
    SignatureType t = type.orElse(SignatureType.ED25519);
    if (t != SignatureType.ED25519 && t != SignatureType.MLDSA44_SUBTREE_V1) {
      throw new IllegalArgumentException("a new key file is Ed25519 or ML-DSA-44; an " + t
          + " key lives on the PKCS#11 token: name its label");
    }
    return t;
  }

  /**
   * Retires the active key with this key ID: it signs no further checkpoint, but stays in the
   * ring so that the checkpoints it signed still verify.
   *
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
   * Opens the signers of {@code next} (a key that cannot sign changes nothing), commits it (from
   * then on the change stands), uses it and rewrites {@code log.vkey}.
   */
  private void commit(KeyRing next) throws IOException {
    List<NoteSigner> opened = signers.open(next);
    Optional<Version> committed;
    try {
      committed = store.commit(Optional.of(state.version()), next);
    } catch (IOException e) {
      committed = Optional.of(committedAnyway(next, e));
    }
    if (committed.isEmpty()) {
      throw new IOException(store + " was changed by another writer since this log loaded it,"
          + " so this change was not made: restart the log to load the ring as it is now");
    }
    signing.writeLock().lock();
    try {
      state = new State(next, committed.get(), opened);
    } finally {
      signing.writeLock().unlock();
    }
    try {
      files.writeVerifierKeys(next);
    } catch (IOException e) {
      // log.vkey only copies the ring's active keys for operators; the next start rewrites it.
      LOG.warn("the key ring changed, but {} could not be rewritten ({}); the next start"
          + " rewrites it", files.verifierKeyFile(), e.toString());
    }
  }

  /**
   * A commit that threw may have stored the ring all the same (a file renamed into place whose
   * directory sync failed): the next start would use it, so this log must too. Returns its
   * version if it is stored, else throws {@code failure}.
   */
  private Version committedAnyway(KeyRing next, IOException failure)
      throws IOException {
    Optional<KeyRingStore.Stored> stored;
    try {
      stored = store.load();
    } catch (IOException e) {
      failure.addSuppressed(e);
      throw failure;
    }
    if (stored.isEmpty() || !stored.get().ring().equals(next)) {
      throw failure;
    }
    LOG.warn("{} holds the new ring although storing it failed ({}): the change stands", store,
        failure.toString());
    return stored.get().version();
  }
}
