package dev.cairn.log.keys;

import dev.cairn.log.storage.Version;
import dev.cairn.note.SignatureType;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * A log from before key rotation has no key ring: its two key files, {@code keys/log.skey} and
 * {@code keys/log-mldsa44.skey}, both sign. The first time such a log starts, they become its
 * first ring, both active.
 */
public final class PreRingMigration {
  private PreRingMigration() {}

  /**
   * The ring in {@code store}; where there is none, the ring made of the log's two key files,
   * committed first.
   *
   * @throws IOException if there is no ring and a key file is missing or unreadable, or the
   *     ring cannot be stored
   */
  public static KeyRingStore.Stored load(KeyRingStore store, KeyDirectory files, Clock clock)
      throws IOException {
    var stored = store.load();
    if (stored.isPresent()) {
      return stored.get();
    }
    KeyRing first = new KeyRing(1, List.of(
        KeyRing.Entry.inFile(files.read(KeyDirectory.ED25519_FILE, SignatureType.ED25519)
            .verifierKey(), KeyDirectory.ED25519_FILE, clock.instant()),
        KeyRing.Entry.inFile(files.read(KeyDirectory.MLDSA_FILE, SignatureType.MLDSA44_SUBTREE_V1)
            .verifierKey(), KeyDirectory.MLDSA_FILE, clock.instant())));
    Version version = store.commit(Optional.empty(), first)
        .orElseThrow(() -> new IOException(store + " appeared while the log's key files were"
            + " being made its first ring: start again to use it"));
    return new KeyRingStore.Stored(first, version);
  }
}
