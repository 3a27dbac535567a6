package dev.cairn.log.keys;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.log.testing.Fault;
import dev.cairn.log.testing.FaultyKeyRingStore;
import dev.cairn.merkle.Hasher;
import dev.cairn.log.testing.Poll;
import dev.cairn.note.NoteSignature;
import dev.cairn.note.NoteSigner;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifierKey;
import dev.cairn.verify.LogVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rotation over a real data directory's key files and ring, the ring store wrapped to fail
 * commits: a change is approved before anything of it is written, then committed and used; a
 * commit that fails but stored the ring (a ring renamed into place whose directory sync failed)
 * leaves the new ring in use, one that stored nothing leaves everything as it was, and a ring
 * another writer changed is not overwritten.
 */
class KeyRotationTest {
  private static final String ORIGIN = "example.com/rotation";
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-04T05:06:07Z"),
      ZoneOffset.UTC);

  @TempDir Path dir;
  private KeyDirectory files;
  private FaultyKeyRingStore store;
  private KeyRotation rotation;
  private final List<String> approved = new ArrayList<>();

  @BeforeEach
  void newLog() throws IOException {
    files = new KeyDirectory(dir);
    files.create(ORIGIN, Optional.empty(), Optional.empty(), CLOCK);
    store = new FaultyKeyRingStore(new LocalKeyRingStore(dir));
    rotation = open();
  }

  private KeyRotation open() throws IOException {
    return KeyRotation.open(ORIGIN, store, store.load().orElseThrow(),
        new RingSigners(ORIGIN, files, Optional.empty(), CLOCK), files, Optional.empty(), CLOCK);
  }

  private KeyRing.Entry rotateEd25519() throws IOException {
    return rotation.rotate(Optional.of(SignatureType.ED25519), Optional.empty(),
        (next, change) -> approved.add(change));
  }

  private static VerifierKey classical(KeyRing ring) {
    return ring.active().get(0).key();
  }

  /** {@code signers} sign a checkpoint that {@code key} alone verifies. */
  private static void assertSignedBy(List<NoteSigner> signers, VerifierKey key)
      throws Exception {
    byte[] note = SignedNote.sign(new Checkpoint(ORIGIN, 1, Hasher.emptyRoot()).format(),
        signers).encode();
    assertThat(LogVerifier.ofLogKeys(List.of(key)).verifyCheckpoint(note).checkpoint().size())
        .isEqualTo(1);
  }

  private List<String> keyFiles() throws IOException {
    try (var list = Files.list(dir.resolve("keys"))) {
      return list.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void aNewKeyIsApprovedWrittenCommittedAndSignsBesideTheOldUntilItIsRetired() throws Exception {
    VerifierKey old = classical(rotation.ring());
    KeyRing.Entry added = rotateEd25519();
    assertThat(approved).containsExactly("added " + added.describe());
    assertThat(added.file()).isEqualTo(KeyDirectory.fileName(
        files.read(added.file(), SignatureType.ED25519)));
    assertThat(Files.getPosixFilePermissions(dir.resolve("keys").resolve(added.file())))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(rotation.ring().active()).hasSize(3);
    assertThat(rotation.signers()).extracting(NoteSigner::type).containsExactly(
        SignatureType.ED25519, SignatureType.ED25519, SignatureType.MLDSA44_SUBTREE_V1);
    assertSignedBy(rotation.signers(), old);
    assertSignedBy(rotation.signers(), added.key());
    assertThat(store.load().orElseThrow().ring()).isEqualTo(rotation.ring());
    assertThat(Files.readAllLines(dir.resolve("log.vkey"), UTF_8)).containsExactlyElementsOf(
        rotation.ring().signingOrder().stream().map(e -> e.key().encode()).toList());

    KeyRing.Entry retired = rotation.retire(old.keyId(), (next, change) -> approved.add(change));
    assertThat(retired.state()).isEqualTo(KeyRing.State.RETIRED);
    assertThat(approved).last().isEqualTo("retired " + retired.describe());
    assertThat(rotation.signers()).extracting(NoteSigner::keyId)
        .doesNotContain(old.keyId()).contains(added.key().keyId());
    assertThat(open().ring()).as("as the next start loads it").isEqualTo(rotation.ring());
  }

  @Test
  void aRefusedChangeWritesNothing() throws Exception {
    KeyRing before = rotation.ring();
    List<String> keyFiles = keyFiles();
    assertThatThrownBy(() -> rotation.rotate(Optional.empty(), Optional.empty(),
        (next, change) -> {
          throw new IllegalArgumentException("not today");
        })).isInstanceOf(IllegalArgumentException.class).hasMessage("not today");
    assertThat(keyFiles()).as("no key file written").isEqualTo(keyFiles);
    assertThat(store.load().orElseThrow().ring()).isEqualTo(before);
    assertThat(rotation.ring()).isEqualTo(before);
  }

  /**
   * What a ring renamed into place whose directory sync failed looks like to rotation: the
   * commit threw, but the store holds the new ring, which the next start would use — so the
   * running log uses it too, and goes on committing from its version.
   */
  @Test
  void aCommitThatFailsAfterStoringTheRingLeavesTheNewRingInUse() throws Exception {
    store.failNextCommit(Fault.PERSIST);
    KeyRing.Entry added = rotateEd25519();
    assertThat(rotation.ring().keys()).contains(added);
    assertThat(rotation.signers()).extracting(NoteSigner::keyId).contains(added.key().keyId());
    assertSignedBy(rotation.signers(), added.key());
    assertThat(store.load().orElseThrow().ring()).isEqualTo(rotation.ring());

    VerifierKey old = classical(rotation.ring());
    rotation.retire(old.keyId(), (next, change) -> approved.add(change));
    assertThat(open().ring()).isEqualTo(rotation.ring());
  }

  @Test
  void aCommitThatFailsWithoutStoringTheRingChangesNothingInUse() throws Exception {
    KeyRing before = rotation.ring();
    List<NoteSigner> signers = rotation.signers();
    store.failNextCommit(Fault.LOSE);
    assertThatThrownBy(this::rotateEd25519).isInstanceOf(IOException.class)
        .hasMessageContaining("injected LOSE fault");
    assertThat(rotation.ring()).isEqualTo(before);
    assertThat(rotation.signers()).isEqualTo(signers);
    assertThat(store.load().orElseThrow().ring()).isEqualTo(before);

    KeyRing.Entry added = rotateEd25519();
    assertThat(open().ring().keys()).as("a retry commits").contains(added);
  }

  @Test
  void aRingAnotherWriterChangedIsNotOverwritten() throws Exception {
    KeyRing before = rotation.ring();
    KeyRingStore other = new LocalKeyRingStore(dir);
    KeyRingStore.Stored loaded = other.load().orElseThrow();
    KeyRing theirs = loaded.ring().with(KeyRing.Entry.inFile(SignerKey.generate(ORIGIN,
        SignatureType.ED25519, new SecureRandom()).verifierKey(), "theirs.skey", CLOCK.instant()));
    other.commit(Optional.of(loaded.version()), theirs).orElseThrow();

    assertThatThrownBy(this::rotateEd25519).isInstanceOf(IOException.class)
        .hasMessageContaining("was changed by another writer since this log loaded it");
    assertThat(store.load().orElseThrow().ring()).isEqualTo(theirs);
    assertThat(rotation.ring()).isEqualTo(before);
  }

  /**
   * A retirement waits for the signature under way, so that once it has returned no checkpoint
   * signed afterwards carries the retired key. The ML-DSA-44 signer reads its clock after the
   * classical keys signed: a clock that holds there stops a signature midway, deterministically.
   */
  @Test
  void onceRetireReturnedTheRetiredKeySignsNothing() throws Exception {
    HeldClock held = new HeldClock();
    rotation = KeyRotation.open(ORIGIN, store, store.load().orElseThrow(),
        new RingSigners(ORIGIN, files, Optional.empty(), held), files, Optional.empty(), CLOCK);
    VerifierKey old = classical(rotation.ring());
    KeyRing.Entry added = rotateEd25519();
    String text = new Checkpoint(ORIGIN, 1, Hasher.emptyRoot()).format();

    held.hold();
    CompletableFuture<SignedNote> underWay =
        CompletableFuture.supplyAsync(() -> rotation.sign(text));
    held.awaitHeld();
    CompletableFuture<KeyRing.Entry> retired = new CompletableFuture<>();
    Thread retiring = Thread.ofPlatform().start(() -> {
      try {
        retired.complete(rotation.retire(old.keyId(), (next, change) -> approved.add(change)));
      } catch (Throwable t) {
        retired.completeExceptionally(t);
      }
    });
    Poll.until("the retirement to return or wait", Duration.ofSeconds(30),
        () -> retired.isDone() || retiring.getState() == Thread.State.WAITING);
    assertThat(retired).as("retire waits for the signature under way").isNotDone();
    held.release();
    assertThat(keyIds(underWay.get(30, TimeUnit.SECONDS))).contains(old.keyId());
    retired.get(30, TimeUnit.SECONDS);
    assertThat(keyIds(rotation.sign(text))).doesNotContain(old.keyId())
        .contains(added.key().keyId());
  }

  private static List<Integer> keyIds(SignedNote note) {
    return note.signatures().stream().map(NoteSignature::keyId).toList();
  }

  /** A fixed clock that, once {@link #hold held}, stops the next reader until released. */
  private static final class HeldClock extends Clock {
    private final AtomicBoolean holding = new AtomicBoolean();
    private final CountDownLatch reached = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    void hold() {
      holding.set(true);
    }

    void awaitHeld() throws InterruptedException {
      assertThat(reached.await(30, TimeUnit.SECONDS)).as("a signature reached the clock")
          .isTrue();
    }

    void release() {
      released.countDown();
    }

    @Override
    public Instant instant() {
      if (holding.getAndSet(false)) {
        reached.countDown();
        try {
          if (!released.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("held for 30 s: the test forgot release()");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
      return CLOCK.instant();
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }
}
