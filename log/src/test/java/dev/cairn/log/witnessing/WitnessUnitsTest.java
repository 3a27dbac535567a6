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

  @Test
  void aPolicyWhoseCosignedNoteCouldNotBeASignedNoteIsRefused() {
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 96; i++) {
      many.append("witness w").append(i).append(' ').append(SignerKey.generate("w" + i
          + ".example", SignatureType.COSIGNATURE_V1, RANDOM).verifierKey().encode())
          .append(" http://127.0.0.1:9/w").append(i).append('\n');
    }
    try (WitnessQuorum q = WitnessQuorum.create(Policy.parse(many + "quorum w0\n"),
        Duration.ofSeconds(1), false, CosignedSizes.inMemory())) {
      assertThat(q.policy()).isPresent(); // 96 witnesses and 4 log signatures: 100 fit
    }
    many.append("witness w96 ").append(SignerKey.generate("w96.example",
        SignatureType.COSIGNATURE_V1, RANDOM).verifierKey().encode())
        .append(" http://127.0.0.1:9/w96\n");
    assertThatThrownBy(() -> WitnessQuorum.create(Policy.parse(many + "quorum w0\n"),
        Duration.ofSeconds(1), false, CosignedSizes.inMemory()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("97 witness keys").hasMessageContaining("101 signatures")
        .hasMessageContaining("more than the 100");

    // Bytes: ML-DSA-44 cosignatures of ~3.3 KB each (a policy file cannot hold this many keys,
    // but a quorum must not count on that).
    List<VerifierKey> pq = new java.util.ArrayList<>();
    for (int i = 0; i < 80; i++) {
      pq.add(SignerKey.generate("w" + i + ".example", SignatureType.MLDSA44_SUBTREE_V1, RANDOM)
          .verifierKey());
    }
    assertThat(WitnessQuorum.noteTooLarge(pq.subList(0, 60), 2, 2 * 3500)).isEmpty();
    assertThat(WitnessQuorum.noteTooLarge(pq, 2, 2 * 3500)).hasValueSatisfying(m -> assertThat(m)
        .contains("80 witness keys").contains("more than the 262144"));
    assertThat(WitnessQuorum.signatureLine(11, SignatureType.MLDSA44_SUBTREE_V1))
        .isBetween(3200, 3400);
    // The log's real keys count too.
    SignerKey logKey = SignerKey.generate("example.com/log", SignatureType.ED25519, RANDOM);
    List<VerifierKey> logKeys = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      logKeys.add(logKey.verifierKey());
    }
    String w = "witness W " + SignerKey.generate("w.example", SignatureType.COSIGNATURE_V1,
        RANDOM).verifierKey().encode() + " http://127.0.0.1:9/\n";
    try (WitnessQuorum q = WitnessQuorum.create(Policy.parse(many.toString().replaceFirst(
        "witness w96 .*\n", "") + "quorum w0\n"),
        Duration.ofSeconds(1), false, CosignedSizes.inMemory())) {
      assertThat(q.logProblems("example.com/log", logKeys)).singleElement().asString()
          .contains("96 witness keys").contains("101 signatures");
    }
    assertThat(quorum(w + "quorum W\n").logProblems("example.com/log", logKeys)).isEmpty();
  }
}
