package dev.cairn.witness;

import static dev.cairn.witness.AddCheckpointStatusTest.expect;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the witness keeps across restarts and changes of its logs file. */
class WitnessStateTest {
  @TempDir Path tmp;
  private final TestLog a = new TestLog("example.com/a");
  private final TestLog b = new TestLog("example.com/b");

  @Test
  void aRestartResumesWithTheSameKeysAndState() throws Exception {
    Path logs = tmp.resolve("logs");
    Files.writeString(logs, a.logLines());
    String vkeys;
    try (RunningWitness w = new RunningWitness(tmp.resolve("data"), logs)) {
      assertThat(w.post(a.request(0, 10)).status()).isEqualTo(200);
      vkeys = Files.readString(tmp.resolve("data").resolve(WitnessKeys.VKEY_FILE));
      assertThat(vkeys.lines()).hasSize(2).allSatisfy(l -> assertThat(l)
          .startsWith("witness.example/w1+"));
    }
    // Something an operator left among the evidence does not keep the witness from starting.
    Files.writeString(tmp.resolve("data").resolve("evidence").resolve("notes.txt"), "mine\n");
    try (RunningWitness w = new RunningWitness(tmp.resolve("data"), logs)) {
      assertThat(w.get("/evidence").body()).isEqualTo("[ ]");
      assertThat(Files.readString(tmp.resolve("data").resolve(WitnessKeys.VKEY_FILE)))
          .isEqualTo(vkeys);
      assertThat(w.witness.keys().verifierKeys().get(0).encode())
          .isEqualTo(vkeys.lines().findFirst().orElseThrow());
      RunningWitness.Answer stale = w.post(a.request(0, 12));
      assertThat(stale.status()).isEqualTo(409);
      assertThat(stale.body()).isEqualTo("10\n");
      assertThat(w.get("/" + CosignedState.fileName(a.origin) + "/checkpoint").body())
          .startsWith("example.com/a\n10\n");
      assertThat(w.post(a.request(10, 12)).status()).isEqualTo(200);
    }
  }

  @Test
  void aStateThatCannotBeStoredIsNeverCosigned() throws Exception {
    Path logs = tmp.resolve("logs");
    Files.writeString(logs, a.logLines() + b.logLines());
    try (RunningWitness w = new RunningWitness(tmp.resolve("data"), logs)) {
      // A directory where a's record goes: the rename over it fails.
      Path record = tmp.resolve("data/checkpoints").resolve(CosignedState.fileName(a.origin));
      Files.createDirectories(record.resolve("in-the-way"));
      RunningWitness.Answer failed = w.post(a.request(0, 3));
      expect(failed, 503, "could not store its state for example.com/a");
      assertThat(failed.body()).doesNotContain("\u2014");
      assertThat(w.get("/readyz").status()).isEqualTo(503);
      // Refused until a restart reads what the disk holds, even once the way is clear.
      Files.delete(record.resolve("in-the-way"));
      Files.delete(record);
      expect(w.post(a.request(0, 3)), 503, "until restarted");
      assertThat(w.post(b.request(0, 2)).status()).isEqualTo(200);
      assertThat(w.witness.size(a.origin)).isZero();
    }
    try (RunningWitness w = new RunningWitness(tmp.resolve("data"), logs)) {
      assertThat(w.post(a.request(0, 3)).status()).isEqualTo(200);
    }
  }

  @Test
  void anotherNameThanTheStoredOneIsRefused() throws Exception {
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    WitnessKeys.openOrCreate(data, java.util.Optional.of("one.example/w"),
        new java.security.SecureRandom());
    assertThat(WitnessKeys.openOrCreate(data, java.util.Optional.empty(),
        new java.security.SecureRandom()).name()).isEqualTo("one.example/w");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> WitnessKeys.openOrCreate(data,
        java.util.Optional.of("two.example/w"), new java.security.SecureRandom()))
        .hasMessageContaining("named \"one.example/w\", not \"two.example/w\"");
  }

  @Test
  void theLogsFileIsReloadedAndRemovalKeepsState() throws Exception {
    Path logs = tmp.resolve("logs");
    Files.writeString(logs, a.logLines() + b.logLines());
    try (RunningWitness w = new RunningWitness(tmp.resolve("data"), logs)) {
      assertThat(w.post(a.request(0, 5)).status()).isEqualTo(200);
      assertThat(w.post(b.request(0, 3)).status()).isEqualTo(200);

      // Removing a: 404 for it, its latest cosigned checkpoint is still served.
      Files.writeString(logs, b.logLines());
      assertThat(w.logs.reload()).isTrue();
      expect(w.post(a.request(5, 6)), 404, "unknown log", "example.com/a");
      assertThat(w.get("/" + CosignedState.fileName(a.origin) + "/checkpoint").status())
          .isEqualTo(200);

      // A bad file is refused; the list in use stays.
      Files.writeString(logs, a.logLines() + "log not-a-key\n");
      assertThat(w.logs.reload()).isFalse();
      expect(w.post(a.request(5, 6)), 404, "unknown log");
      assertThat(w.post(b.request(3, 4)).status()).isEqualTo(200);

      // Adding a back resumes at the stored size: its state was never reset.
      Files.writeString(logs, a.logLines() + b.logLines());
      assertThat(w.logs.reload()).isTrue();
      RunningWitness.Answer stale = w.post(a.request(0, 6));
      assertThat(stale.status()).isEqualTo(409);
      assertThat(stale.body()).isEqualTo("5\n");
      assertThat(w.post(a.request(5, 6)).status()).isEqualTo(200);
    }
  }

  @Test
  void theLogsFileIsPolledForChanges() throws Exception {
    Path logs = tmp.resolve("logs");
    Files.writeString(logs, a.logLines());
    try (RunningWitness w = new RunningWitness(tmp.resolve("data"), logs)) {
      w.logs.start(Duration.ofMillis(20));
      expect(w.post(b.request(0, 1)), 404, "unknown log");
      Files.writeString(logs, a.logLines() + b.logLines());
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (w.logs.get().verifiers(b.origin).isEmpty()) {
        assertThat(System.nanoTime()).as("the change is seen within 10 s").isLessThan(deadline);
        Thread.onSpinWait();
      }
      assertThat(w.post(b.request(0, 1)).status()).isEqualTo(200);
    }
  }

  @Test
  void severalKeysPerOriginIncludingARotatedOne() throws Exception {
    TestLog rotated = new TestLog(a.origin);
    Path logs = tmp.resolve("logs");
    Files.writeString(logs, "# a, with its old and new keys\n" + a.logLines()
        + "log " + rotated.ed25519.verifierKey().encode() + "\n");
    try (RunningWitness w = new RunningWitness(tmp.resolve("data"), logs)) {
      assertThat(w.post(a.request(0, 4)).status()).isEqualTo(200);
      // Signed by the rotated key alone, same tree.
      byte[] note = TestLog.signed(new dev.cairn.checkpoint.Checkpoint(a.origin, 6,
          a.tree.root(6)).format(), java.util.List.of(rotated.ed25519));
      assertThat(w.post(new dev.cairn.witnessing.AddCheckpoint(4, a.tree.consistency(4, 6),
          note).encode()).status()).isEqualTo(200);
    }
  }

  @Test
  void witnessAndQuorumLinesAreValidatedButIgnored() {
    KnownLogs k = KnownLogs.parse(("log " + a.ed25519.verifierKey().encode() + "\n"
        + "witness w1 " + dev.cairn.note.SignerKey.generate("w1",
            dev.cairn.note.SignatureType.COSIGNATURE_V1, new java.security.SecureRandom())
            .verifierKey().encode() + "\nquorum w1\n").getBytes());
    assertThat(k.keys()).containsOnlyKeys(a.origin);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> KnownLogs.parse(
        "log x+00000000+AAAA\n".getBytes())).hasMessageContaining("policy line 1");
  }
}
