package dev.cairn.log.keys;

import dev.cairn.log.storage.Version;
import java.io.IOException;
import java.util.Optional;

/**
 * Where a log's {@link KeyRing} lives, and the one way it changes: a compare-and-swap commit
 * against the version last loaded, so that two writers (two admin requests; later, two log nodes
 * over shared storage) can never overwrite each other's key change unseen. The ring holds no
 * secret: the private keys stay where each entry says (a file, a PKCS#11 token).
 *
 * <p>Contract, for every backend:
 *
 * <ul>
 *   <li>{@link #load} MUST return the ring of the last commit that succeeded, whichever thread
 *       or process made it, or empty if none ever did.
 *   <li>{@link #commit} MUST be atomic: a load, concurrent or after a crash, sees the old ring or
 *       the new one, never a mix.
 *   <li>When commit returns a version, the new ring MUST be durable: it survives a crash of the
 *       process or of the machine.
 *   <li>When commit returns empty, it MUST NOT have changed anything: the stored ring was not the
 *       one {@code expected} names.
 *   <li>When commit throws, the ring MAY have been replaced all the same (an acknowledgement
 *       lost on the way, a file renamed into place whose directory sync failed); a caller that
 *       must know loads it again.
 *   <li>Calls MAY come from several threads at once (and, where the backend is shared, from
 *       several processes): of several commits against the same version, at most one MUST
 *       succeed.
 * </ul>
 */
public interface KeyRingStore {
  /** The stored ring and its version, or empty if no ring was ever committed. */
  Optional<Stored> load() throws IOException;

  /**
   * Replaces the stored ring with {@code next} if it is still the one {@code expected} names.
   *
   * @param expected the version {@link #load} returned, or empty to store a first ring where
   *     there is none
   * @return the version of {@code next}, or empty (and nothing changed) if the stored ring is
   *     not the one {@code expected} names
   * @throws IOException if the ring could not be stored; it may have been all the same (see the
   *     contract)
   */
  Optional<Version> commit(Optional<Version> expected, KeyRing next) throws IOException;

  /**
   * A ring as stored, with the version that a commit replacing it must name (opaque: callers
   * pass it back and read nothing into it).
   */
  record Stored(KeyRing ring, Version version) {}
}
