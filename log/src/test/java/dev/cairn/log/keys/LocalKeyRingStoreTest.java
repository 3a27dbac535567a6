package dev.cairn.log.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.log.keys.KeyRingStore.Stored;
import dev.cairn.log.storage.Version;
import dev.cairn.log.testing.ScratchMount;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignerKey;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key ring in a data directory, {@code keys/ring.json}: the {@link KeyRingStore} contract,
 * the file's format (what earlier releases wrote), a ring edited by hand, and a commit on a full
 * disk.
 */
class LocalKeyRingStoreTest {
  private static final String ORIGIN = "example.com/ring-file";
  private static final Instant ADDED = Instant.parse("2026-01-02T03:04:05Z");

  @TempDir Path dir;

  /** A data directory's key ring: its {@code keys} directory exists, as every log's does. */
  private LocalKeyRingStore store() throws IOException {
    Files.createDirectories(dir.resolve("keys"));
    return new LocalKeyRingStore(dir);
  }

  private static KeyRing ring(int keys) {
    KeyRing r = null;
    for (int i = 0; i < keys; i++) {
      SignerKey k = SignerKey.generate(ORIGIN, SignatureType.ED25519, new SecureRandom());
      KeyRing.Entry e = KeyRing.Entry.inFile(k.verifierKey(), "k" + i + ".skey", ADDED);
      r = r == null ? new KeyRing(1, List.of(e)) : r.with(e);
    }
    return r;
  }

  @Nested
  class Contract extends KeyRingStoreContract {
    @Override
    protected KeyRingStore store() throws IOException {
      return LocalKeyRingStoreTest.this.store();
    }

    @Override
    protected KeyRingStore reopen() {
      return new LocalKeyRingStore(dir);
    }
  }

  @Test
  void theRingIsKeysRingJsonInTheFormatEarlierReleasesWrote() throws Exception {
    KeyRing written = ring(2);
    Files.createDirectories(dir.resolve("keys"));
    Files.write(dir.resolve("keys/ring.json"), written.encode());
    LocalKeyRingStore s = new LocalKeyRingStore(dir);
    Stored loaded = s.load().orElseThrow();
    assertThat(loaded.ring()).isEqualTo(written);

    KeyRing next = written.retire(written.keys().get(0).key().keyId(), ADDED);
    s.commit(Optional.of(loaded.version()), next).orElseThrow();
    assertThat(Files.readAllBytes(dir.resolve(KeyRing.FILE))).isEqualTo(next.encode());
    try (var files = Files.list(dir.resolve("keys"))) {
      assertThat(files.map(p -> p.getFileName().toString())).as("no temporary file left")
          .containsExactly("ring.json");
    }
  }

  @Test
  void aRingEditedByHandMakesTheVersionLoadedBeforeStale() throws Exception {
    LocalKeyRingStore s = store();
    Version v1 = s.commit(Optional.empty(), ring(1)).orElseThrow();
    KeyRing edited = ring(2);
    Files.write(dir.resolve(KeyRing.FILE), edited.encode());
    assertThat(s.commit(Optional.of(v1), ring(3))).isEmpty();
    assertThat(s.load().orElseThrow().ring()).isEqualTo(edited);
  }

  @Test
  void anUnreadableRingFailsNamingTheFile() throws Exception {
    store();
    Files.writeString(dir.resolve(KeyRing.FILE), "{\"schema_version\":1,\"keys\":[");
    assertThatThrownBy(() -> new LocalKeyRingStore(dir).load()).isInstanceOf(IOException.class)
        .hasMessageContaining(dir.resolve(KeyRing.FILE).toString())
        .hasMessageContaining("the key ring is unreadable");
  }

  /**
   * On a file system with no space left the commit fails writing its temporary file: the ring
   * and its version stay as they were, nothing is left behind, and once there is space the
   * same version commits. The test mounts a tmpfs, so it needs root; elsewhere it is skipped.
   */
  @Test
  void aCommitOnAFullDiskChangesNothing(@TempDir Path scratch) throws Exception {
    try (ScratchMount mount = ScratchMount.tmpfs(scratch.resolve("fs"), 256 << 10)) {
      Path data = mount.path().resolve("data");
      Files.createDirectories(data.resolve("keys"));
      LocalKeyRingStore s = new LocalKeyRingStore(data);
      KeyRing first = ring(1);
      Version v1 = s.commit(Optional.empty(), first).orElseThrow();
      Path filler = mount.path().resolve("filler");
      try (RandomAccessFile f = new RandomAccessFile(filler.toFile(), "rw")) {
        byte[] block = new byte[4096];
        while (true) {
          f.write(block);
        }
      } catch (IOException full) {
        assertThat(full).hasMessageContaining("No space left on device");
      }

      KeyRing next = ring(2);
      assertThatThrownBy(() -> s.commit(Optional.of(v1), next)).isInstanceOf(IOException.class)
          .hasMessageContaining("No space left on device");
      assertThat(s.load()).contains(new Stored(first, v1));
      try (var files = Files.list(data.resolve("keys"))) {
        assertThat(files.map(p -> p.getFileName().toString())).containsExactly("ring.json");
      }

      Files.delete(filler);
      Version v2 = s.commit(Optional.of(v1), next).orElseThrow();
      assertThat(new LocalKeyRingStore(data).load()).contains(new Stored(next, v2));
    }
  }
}
