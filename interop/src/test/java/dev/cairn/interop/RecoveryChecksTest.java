package dev.cairn.interop;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.log.LogKeys;
import dev.cairn.merkle.Hash;
import dev.cairn.merkle.Proofs;
import dev.cairn.note.NoteSigner;
import dev.cairn.note.SignedNote;
import dev.cairn.tile.TileHashReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash test's {@link RecoveryChecks} pass on what a healthy log acknowledged and served, and
 * fail, saying what is wrong, when the log does not match: an acknowledged entry that differs, an
 * index beyond the checkpoint, and checkpoints signed with the log's own keys that fork, roll
 * back, or are missing from {@code /checkpoints}. A check that cannot fail proves nothing.
 */
class RecoveryChecksTest {
  @TempDir static Path shared;
  private static LiveLog live;
  private static List<NoteSigner> logSigners;

  @BeforeAll
  static void startLog() throws Exception {
    live = LiveLog.start(shared.resolve("data"));
    live.write("checks", 600, 17);
    logSigners = LogKeys.loadOrCreate(live.log.dataDir(), Optional.of(LiveLog.ORIGIN))
        .signers(Clock.systemUTC());
  }

  @AfterAll
  static void stopLog() throws Exception {
    if (live != null) {
      live.close();
    }
  }

  @Test
  void passOnWhatTheLogAcknowledgedAndServed() throws Exception {
    Ledger ledger = truth(Map.of());
    ledger.served(live.client.checkpoint());
    RecoveryChecks checks = checks(ledger);
    checks.check(live.client);

    live.write("checks more", 300, 23);
    live.ledger.acknowledged().forEach(ledger::acknowledge);
    ledger.served(live.client.checkpoint());

    assertThatCode(() -> checks.check(live.client)).doesNotThrowAnyException();
  }

  @Test
  void failWhenAnAcknowledgedEntryDiffers() throws IOException {
    Ledger ledger = truth(Map.of(5L, "not entry 5".getBytes(StandardCharsets.UTF_8)));

    assertThatThrownBy(() -> checks(ledger).check(live.client))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("index 5 was acknowledged for 11 bytes")
        .hasMessageContaining("but bundle tile/entries/000");
  }

  @Test
  void failWhenAnAcknowledgedIndexIsBeyondTheCheckpoint() throws Exception {
    long size = LiveLog.size(live.client.checkpoint());
    Ledger ledger = truth(Map.of(size + 10, "lost".getBytes(StandardCharsets.UTF_8)));

    assertThatThrownBy(() -> checks(ledger).check(live.client))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("index " + (size + 10) + " was acknowledged, but the first"
            + " checkpoint after the restart has size ");
  }

  @Test
  void failOnAServedFork() throws Exception {
    Ledger ledger = truth(Map.of());
    ledger.served(sign(new Checkpoint(LiveLog.ORIGIN, 100, Hash.of(new byte[32]))));

    assertThatThrownBy(() -> checks(ledger).check(live.client))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("a checkpoint served earlier (size 100, root ")
        .hasMessageContaining("is not consistent with size ");
  }

  @Test
  void failOnARollback() throws Exception {
    long size = LiveLog.size(live.client.checkpoint());
    Ledger ledger = truth(Map.of());
    ledger.served(sign(new Checkpoint(LiveLog.ORIGIN, size + 1, Hash.of(new byte[32]))));

    assertThatThrownBy(() -> checks(ledger).check(live.client))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("the log rolled back: a checkpoint served earlier has size "
            + (size + 1));
  }

  @Test
  void failWhenAServedCheckpointIsNotInTheHistory() throws Exception {
    long size = LiveLog.size(live.client.checkpoint());
    Set<Long> published = live.client.history(1_000).stream()
        .map(LogClient.HistoryEntry::size).collect(Collectors.toSet());
    long unpublished = 1;
    while (published.contains(unpublished)) {
      unpublished++;
    }
    Hash root = live.log.tiles().treeHash(unpublished);
    Ledger ledger = truth(Map.of());
    ledger.served(sign(new Checkpoint(LiveLog.ORIGIN, unpublished, root)));

    assertThatThrownBy(() -> checks(ledger).check(live.client))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("a checkpoint of size " + unpublished
            + " was served, but /checkpoints has none");
  }

  @Test
  void failWhenAServedCheckpointDiffersFromTheHistory() throws Exception {
    // An earlier checkpoint signed again: a consistent tree, not the note the history holds.
    byte[] earlier = live.client.history(1_000).stream().filter(e -> e.size() > 0)
        .findFirst().orElseThrow().note();
    Checkpoint c = Checkpoint.parse(SignedNote.parse(earlier).text());
    Ledger ledger = truth(Map.of());
    ledger.served(sign(c));

    assertThatThrownBy(() -> checks(ledger).check(live.client))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("the checkpoint of size " + c.size() + " that was served differs"
            + " from the one in /checkpoints");
  }

  /** What the log acknowledged, with {@code changes} instead where they apply. */
  private static Ledger truth(Map<Long, byte[]> changes) {
    Ledger ledger = new Ledger();
    live.ledger.acknowledged().forEach((i, e) -> ledger.acknowledge(i, changes.getOrDefault(i, e)));
    changes.forEach(ledger::acknowledge);
    return ledger;
  }

  private static RecoveryChecks checks(Ledger ledger) throws IOException {
    return new RecoveryChecks(ledger, live.log.dataDir().resolve("log.vkey"), new Random(1));
  }

  /** A checkpoint signed with the log's own Ed25519 and ML-DSA-44 keys. */
  private static byte[] sign(Checkpoint c) {
    return SignedNote.sign(c.format(), logSigners).encode();
  }
}
