package dev.cairn.witness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cairn.log.storage.embedded.DataDirLock;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifierKey;
import dev.cairn.note.VerifierSet;
import dev.cairn.witnessing.AddCheckpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a witness reads from others. An {@code add-checkpoint} body, whoever sends it, is answered
 * with a refusal (400, 403, 404 or 422) or a 409 naming the size last cosigned, and cosigned only
 * if the log's key signed its checkpoint. (The witness keeps what it cosigns, so a signed seed
 * is cosigned once and then answered 409: the answer may depend on the inputs before it, the
 * property does not.) A logs file is refused with {@link IllegalArgumentException} or read into
 * logs each trusted only with keys named for its origin. Any other exception is a bug.
 */
class WitnessFuzzTest {
  static final SignerKey LOG =
      SignerKey.fromSeed("example.com/log", SignatureType.ED25519, new byte[32]);

  @TempDir static Path dir;
  static Witness witness;

  @BeforeAll
  static void open() throws IOException {
    WitnessKeys keys = WitnessKeys.fromSeeds("witness.example/w1", new byte[32], new byte[32]);
    KnownLogs logs = KnownLogs.of(List.of(LOG.verifierKey()));
    witness = Witness.open(DataDirLock.acquire(dir), dir, keys, () -> logs,
        Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC), 0,
        new WitnessMetrics());
  }

  @AfterAll
  static void close() throws IOException {
    witness.close();
  }

  @FuzzTest(maxDuration = "2m")
  void addCheckpoint(byte[] data) {
    switch (witness.add(data)) {
      case Outcome.Refused r -> {
        assertThat(r.status()).as(r.reason()).isIn(400, 403, 404, 422);
        assertThat(r.reason()).isNotBlank();
      }
      case Outcome.StaleOldSize s -> assertThat(s.size()).isNotNegative();
      case Outcome.Cosigned c -> {
        assertThatCode(() -> SignedNote.parse(AddCheckpoint.parse(data).note())
            .open(VerifierSet.ofKeys(List.of(LOG.verifierKey())))).doesNotThrowAnyException();
        assertThat(c.lines()).startsWith("— witness.example/w1 ");
      }
      case Outcome.Slow s -> throw new AssertionError("no rate limit is set, yet: " + s);
    }
  }

  @FuzzTest(maxDuration = "2m")
  void logsFile(byte[] data) {
    KnownLogs logs;
    try {
      logs = KnownLogs.parse(data);
    } catch (IllegalArgumentException expected) {
      return;
    }
    logs.keys().forEach((origin, keys) -> {
      assertThat(keys).isNotEmpty().extracting(VerifierKey::name).containsOnly(origin);
      assertThat(logs.verifiers(origin)).isPresent();
    });
  }
}
