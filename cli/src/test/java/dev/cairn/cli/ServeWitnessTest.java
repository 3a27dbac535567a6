package dev.cairn.cli;

import static dev.cairn.cli.KeyCommandsTest.cairn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.note.SignatureType;
import dev.cairn.note.SignerKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn serve --witness-policy}: what is refused at start, before anything is served. */
class ServeWitnessTest {
  @TempDir Path dir;

  private static String vkey(String name, SignatureType type) {
    return SignerKey.generate(name, type, new SecureRandom()).verifierKey().encode();
  }

  @Test
  void aWitnessWithoutUrlIsRefusedNamingIt() throws Exception {
    Path policy = dir.resolve("witnesses.policy");
    Files.writeString(policy, "witness far.example " + vkey("far.example",
        SignatureType.COSIGNATURE_V1) + "\nquorum far.example\n");
    KeyCommandsTest.Result r = cairn("serve", "--data", dir.resolve("data").toString(),
        "--listen", "127.0.0.1:0", "--witness-policy", policy.toString());
    assertThat(r.code()).isEqualTo(CliException.USAGE);
    assertThat(r.err()).contains("witness far.example has no URL");
    assertThat(dir.resolve("data")).doesNotExist();
  }

  @Test
  void logLinesOfAnotherLogAreRefused() throws Exception {
    Path policy = dir.resolve("witnesses.policy");
    Files.writeString(policy, "log " + vkey("other.example/log", SignatureType.ED25519)
        + "\nquorum none\n");
    KeyCommandsTest.Result r = cairn("serve", "--data", dir.resolve("data").toString(),
        "--origin", "example.com/mine", "--listen", "127.0.0.1:0", "--witness-policy",
        policy.toString());
    assertThat(r.code()).isNotZero();
    assertThat(r.err()).contains("witness policy's log lines");
  }
}
