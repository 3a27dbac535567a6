package dev.cairn.log.witnessing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.note.SignatureType;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifierKey;
import dev.cairn.policy.Policy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parts of witnessing that need no log: the size file and the policy checks. */
class WitnessUnitsTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  @TempDir Path dir;

  @Test
  void sizesSurviveARestartAndAnUnreadableLineIsOnlyThatWitnessForgotten() throws Exception {
    Files.createDirectories(dir.resolve(".tmp"));
    FileCosignedSizes sizes = new FileCosignedSizes(dir);
    assertThat(sizes.get("http://a.example/w")).isEmpty();
    sizes.put("http://a.example/w", 10);
    sizes.put("http://b.example/w", 7);
    sizes.put("http://a.example/w", 12);
    FileCosignedSizes reopened = new FileCosignedSizes(dir);
    assertThat(reopened.get("http://a.example/w")).hasValue(12);
    assertThat(reopened.get("http://b.example/w")).hasValue(7);
    assertThat(Files.readString(dir.resolve(FileCosignedSizes.FILE)))
        .isEqualTo("12 http://a.example/w\n7 http://b.example/w\n");
    try (var tmp = Files.list(dir.resolve(".tmp"))) {
      assertThat(tmp).as("no temporary file left").isEmpty();
    }

    Files.writeString(dir.resolve(FileCosignedSizes.FILE),
        "12 http://a.example/w\n007 http://b.example/w\ngarbage\n", StandardCharsets.UTF_8);
    FileCosignedSizes damaged = new FileCosignedSizes(dir);
    assertThat(damaged.get("http://a.example/w")).hasValue(12);
    assertThat(damaged.get("http://b.example/w")).isEmpty();
    assertThatThrownBy(() -> damaged.put("http://c.example/ w", 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void logLinesMustNameThisLogAndOneOfItsKeys() {
    SignerKey ed = SignerKey.generate("example.com/log", SignatureType.ED25519, RANDOM);
    SignerKey pq = SignerKey.generate("example.com/log", SignatureType.MLDSA44_SUBTREE_V1,
        RANDOM);
    SignerKey other = SignerKey.generate("other.example/log", SignatureType.ED25519, RANDOM);
    SignerKey retired = SignerKey.generate("example.com/log", SignatureType.ED25519, RANDOM);
    List<VerifierKey> active = List.of(ed.verifierKey(), pq.verifierKey());
    String witness = "witness W " + SignerKey.generate("w.example",
        SignatureType.COSIGNATURE_V1, RANDOM).verifierKey().encode() + " http://127.0.0.1:9/\n";

    assertThat(quorum(witness + "quorum W\n").logProblems("example.com/log", active)).isEmpty();
    assertThat(quorum("log " + ed.verifierKey().encode() + "\n" + witness + "quorum W\n")
        .logProblems("example.com/log", active)).isEmpty();
    assertThat(quorum("log " + other.verifierKey().encode() + "\nlog "
        + ed.verifierKey().encode() + "\n" + witness + "quorum W\n")
        .logProblems("example.com/log", active)).singleElement().asString()
        .contains("names \"other.example/log\", but this log's origin is \"example.com/log\"");
    assertThat(quorum("log " + retired.verifierKey().encode() + "\n" + witness + "quorum W\n")
        .logProblems("example.com/log", active)).singleElement().asString()
        .contains("none of the witness policy's log lines is one of this log's active keys");
  }

  @Test
  void theTimeoutMustBePositiveAndTheDeadlineFitsEveryTry() {
    Policy p = Policy.parse("quorum none\n");
    assertThatThrownBy(() -> WitnessQuorum.create(p, Duration.ZERO, false,
        CosignedSizes.inMemory())).hasMessageContaining("must be positive");
    try (WitnessQuorum q = WitnessQuorum.create(p, Duration.ofMillis(700), false,
        CosignedSizes.inMemory())) {
      assertThat(q.roundTime()).isGreaterThanOrEqualTo(Duration.ofMillis(3 * 700));
      assertThat(q.endorseTimeout()).isGreaterThan(q.roundTime());
    }
  }

  private static WitnessQuorum quorum(String policy) {
    return WitnessQuorum.create(Policy.parse(policy), Duration.ofSeconds(1), false,
        CosignedSizes.inMemory());
  }
}
