package dev.cairn.log.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.log.keys.KeyRingStore.Stored;
import dev.cairn.log.storage.Version;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignerKey;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The {@link KeyRingStore} contract, for every backend: a missing ring, a commit and what loads
 * after it (also through a store opened again), a stale version refused without a change, and
 * racing commits against one version of which exactly one wins.
 */
public abstract class KeyRingStoreContract {
  private static final String ORIGIN = "example.com/ring-contract";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Instant ADDED = Instant.parse("2026-01-02T03:04:05Z");

  /** A store that holds no ring. */
  protected abstract KeyRingStore store() throws Exception;

  /** The store of the last {@link #store()} opened again, as after a restart. */
  protected abstract KeyRingStore reopen() throws Exception;

  /** An active key file entry of a new Ed25519 key. */
  private static KeyRing.Entry newKey() {
    SignerKey k = SignerKey.generate(ORIGIN, SignatureType.ED25519, RANDOM);
    return KeyRing.Entry.inFile(k.verifierKey(), "log-" + Integer.toHexString(k.keyId())
        + ".skey", ADDED);
  }

  private static KeyRing firstRing() {
    return new KeyRing(1, List.of(newKey()));
  }

  @Test
  void aStoreWithoutARingLoadsNone() throws Exception {
    assertThat(store().load()).isEmpty();
  }

  @Test
  void aCommittedRingLoadsWithTheVersionItGotAlsoWhenOpenedAgain() throws Exception {
    KeyRingStore s = store();
    KeyRing first = firstRing();
    Version v1 = s.commit(Optional.empty(), first).orElseThrow();
        assertThat(s.load()).contains(new Stored(first, v1));

    KeyRing second = first.with(newKey());
    Version v2 = s.commit(Optional.of(v1), second).orElseThrow();
    assertThat(v2).isNotEqualTo(v1);
    assertThat(s.load()).contains(new Stored(second, v2));
    assertThat(reopen().load()).contains(new Stored(second, v2));

    KeyRing third = second.retire(first.keys().get(0).key().keyId(), ADDED.plusSeconds(60));
    Version v3 = reopen().commit(Optional.of(v2), third).orElseThrow();
    assertThat(s.load()).contains(new Stored(third, v3));
  }

  @Test
  void aStaleVersionIsRefusedAndChangesNothing() throws Exception {
    KeyRingStore s = store();
    KeyRing first = firstRing();
    Version v1 = s.commit(Optional.empty(), first).orElseThrow();
    KeyRing second = first.with(newKey());
    Version v2 = s.commit(Optional.of(v1), second).orElseThrow();

    assertThat(s.commit(Optional.of(v1), first.with(newKey())))
        .as("the version before the last commit").isEmpty();
    assertThat(s.commit(Optional.empty(), firstRing())).as("a first ring where there is one")
        .isEmpty();
    assertThat(s.load()).contains(new Stored(second, v2));
    assertThat(reopen().load()).contains(new Stored(second, v2));
    assertThat(s.commit(Optional.of(v2), second.with(newKey())))
        .as("the current version still commits").isPresent();
  }

  @Test
  void ofCommitsRacingAgainstOneVersionExactlyOneWins() throws Exception {
    KeyRingStore s = store();
    KeyRing first = firstRing();
    Version v1 = s.commit(Optional.empty(), first).orElseThrow();
    int racers = 8;
    List<KeyRing> rings = new ArrayList<>();
    for (int i = 0; i < racers; i++) {
      rings.add(first.with(newKey()));
    }
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Optional<Version>>> outcomes = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (KeyRing ring : rings) {
        outcomes.add(pool.submit(() -> {
          start.await();
          return s.commit(Optional.of(v1), ring);
        }));
      }
      start.countDown();
      List<Stored> won = new ArrayList<>();
      for (int i = 0; i < racers; i++) {
        Optional<Version> v = outcomes.get(i).get();
        if (v.isPresent()) {
          won.add(new Stored(rings.get(i), v.get()));
        }
      }
      assertThat(won).hasSize(1);
      assertThat(s.load()).contains(won.get(0));
      assertThat(reopen().load()).contains(won.get(0));
    }
  }
}
