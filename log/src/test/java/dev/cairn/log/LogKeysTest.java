package dev.cairn.log;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.log.keys.KeyRing;
import dev.cairn.note.NoteSigner;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignerKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The keys of a data directory as the log opens them: a log from before key rotation (two key
 * files, no ring) gets them as its first ring, once; the keys that verify a log's history come
 * from its ring, or from {@code log.vkey} where there is none.
 */
class LogKeysTest {
  private static final String ORIGIN = "example.com/before-rotation";
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-06-07T08:09:10Z"),
      ZoneOffset.UTC);

  @TempDir Path dir;

  /** What a log from before key rotation has: two key files and log.vkey. */
  private List<SignerKey> logFromBeforeRotation() throws IOException {
    SecureRandom random = new SecureRandom();
    SignerKey ed = SignerKey.generate(ORIGIN, SignatureType.ED25519, random);
    SignerKey ml = SignerKey.generate(ORIGIN, SignatureType.MLDSA44_SUBTREE_V1, random);
    Files.createDirectories(dir.resolve("keys"));
    Files.writeString(dir.resolve("keys/log.skey"), ed.encode() + "\n");
    Files.writeString(dir.resolve("keys/log-mldsa44.skey"), ml.encode() + "\n");
    Files.writeString(dir.resolve("log.vkey"), ed.verifierKey().encode() + "\n"
        + ml.verifierKey().encode() + "\n");
    return List.of(ed, ml);
  }

  @Test
  void aLogFromBeforeKeyRotationGetsItsTwoKeyFilesAsItsFirstRingOnce() throws Exception {
    List<SignerKey> keys = logFromBeforeRotation();
    LogKeys opened = LogKeys.loadOrCreate(dir, Optional.of(ORIGIN), Optional.empty(), CLOCK);
    assertThat(opened.origin()).isEqualTo(ORIGIN);
    assertThat(opened.ring().keys()).containsExactly(
        KeyRing.Entry.inFile(keys.get(0).verifierKey(), "log.skey", CLOCK.instant()),
        KeyRing.Entry.inFile(keys.get(1).verifierKey(), "log-mldsa44.skey", CLOCK.instant()));
    assertThat(opened.signers()).extracting(NoteSigner::keyId)
        .containsExactly(keys.get(0).keyId(), keys.get(1).keyId());
    assertThat(KeyRing.parse(Files.readAllBytes(dir.resolve(KeyRing.FILE))))
        .isEqualTo(opened.ring());
    assertThat(Files.readAllLines(dir.resolve("log.vkey"), UTF_8))
        .isEqualTo(opened.verifierKeys());

    Clock later = Clock.offset(CLOCK, java.time.Duration.ofDays(1));
    assertThat(LogKeys.loadOrCreate(dir, Optional.empty(), Optional.empty(), later).ring())
        .as("migrated once: the ring of the first start stands").isEqualTo(opened.ring());
  }

  @Test
  void aLogFromBeforeKeyRotationMissingAKeyFileFailsNamingIt() throws Exception {
    logFromBeforeRotation();
    Files.delete(dir.resolve("keys/log-mldsa44.skey"));
    assertThatThrownBy(() -> LogKeys.loadOrCreate(dir, Optional.of(ORIGIN)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("the log's key file " + dir.resolve("keys/log-mldsa44.skey")
            + " is missing");
    assertThat(dir.resolve(KeyRing.FILE)).as("no ring of one key").doesNotExist();
  }

  @Test
  void theKeysOfALogsHistoryComeFromItsRingOrElseFromLogVkey() throws Exception {
    List<SignerKey> keys = logFromBeforeRotation();
    assertThat(LogKeys.historyKeys(dir)).as("a log or backup from before rotation")
        .containsExactly(keys.get(0).verifierKey().encode(), keys.get(1).verifierKey().encode());

    LogKeys opened = LogKeys.loadOrCreate(dir, Optional.of(ORIGIN));
    KeyRing.Entry added = opened.rotate(Optional.empty(), Optional.empty(), (next, what) -> { });
    opened.retire(keys.get(0).keyId(), (next, what) -> { });
    assertThat(Files.readAllLines(dir.resolve("log.vkey"), UTF_8))
        .doesNotContain(keys.get(0).verifierKey().encode());
    assertThat(LogKeys.historyKeys(dir)).as("the retired key still verifies what it signed")
        .containsExactly(keys.get(0).verifierKey().encode(), keys.get(1).verifierKey().encode(),
            added.key().encode());
  }
}
