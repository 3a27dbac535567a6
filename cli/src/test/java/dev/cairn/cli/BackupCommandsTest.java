package dev.cairn.cli;

import static dev.cairn.cli.KeyCommandsTest.cairn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.log.testing.StoredLogs;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code cairn verify --data}, {@code backup} and {@code restore} through the real command line,
 * on a data directory written by {@code cairn serve}.
 */
class BackupCommandsTest {
  @TempDir static Path dir;
  static Path data;

  @BeforeAll
  static void serveSomeEntries() throws Exception {
    data = dir.resolve("data");
    ServeCommand serve = new ServeCommand();
    CommandLine cl = new CommandLine(serve);
    cl.setOut(new java.io.PrintWriter(new java.io.StringWriter(), true));
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String base = "http://127.0.0.1:" + port;
    CompletableFuture<Integer> running = CompletableFuture.supplyAsync(() -> cl.execute(
        "--data", data.toString(), "--listen", "127.0.0.1:" + port,
        "--origin", "example.com/backup-cli", "--checkpoint-interval", "50ms"));
    HttpClient http = HttpClient.newHttpClient();
    try {
      Instant deadline = Instant.now().plusSeconds(60);
      for (int i = 0; i < 300; i++) {
        while (true) {
          try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/add"))
                .POST(HttpRequest.BodyPublishers.ofString("entry " + i)).build(),
                HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            break;
          } catch (IOException e) {
            if (Instant.now().isAfter(deadline)) {
              throw e; // the server never came up
            }
            Thread.onSpinWait();
          }
        }
      }
    } finally {
      serve.stop.countDown();
    }
    assertThat(running.get()).isZero();
  }

  @Test
  void verifyDataReplaysTheLogAndReportsTheSameEachTime() {
    KeyCommandsTest.Result r = cairn("verify", "--data", data.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("entries: 300 replayed").endsWith("OK\n")
        .as("the dedup index is checked by default").contains("dedup index: every entry below"
            + " its watermark (300) maps to its own index");
    KeyCommandsTest.Result unchecked = cairn("verify", "--data", data.toString(),
        "--no-check-dedup");
    assertThat(unchecked.code()).isZero();
    assertThat(unchecked.out()).contains("entries: 300 replayed").doesNotContain("dedup index");
    assertThat(r.err()).contains("replaying data directory " + data + ": done, 300 entries in");
    assertThat(cairn("verify", "--data", data.toString()).out()).isEqualTo(r.out());
    KeyCommandsTest.Result withKeys = cairn("verify", "--data", data.toString(), "--vkey",
        data.resolve("log.vkey").toString());
    assertThat(withKeys.code()).isZero();
    assertThat(withKeys.out()).doesNotContain("keys: those stored with the data");
  }

  @Test
  void backupThenRestoreGivesADataDirectoryThatVerifies() throws IOException {
    Path backup = dir.resolve("backup-" + System.nanoTime());
    KeyCommandsTest.Result b = cairn("backup", "--data", data.toString(), "--out",
        backup.toString());
    assertThat(b.code()).as(b.err()).isZero();
    assertThat(b.out()).contains("backup of example.com/backup-cli at size 300");
    KeyCommandsTest.Result again = cairn("backup", "--data", data.toString(), "--out",
        backup.toString());
    assertThat(again.out()).contains("0 files written").contains("kept from the backup at"
        + " size 300");
    KeyCommandsTest.Result ofBackup = cairn("verify", "--data", backup.toString());
    assertThat(ofBackup.code()).isZero();
    assertThat(ofBackup.out()).as("a backup holds no dedup index").doesNotContain("dedup index");

    Path restored = dir.resolve("restored-" + System.nanoTime());
    KeyCommandsTest.Result r = cairn("restore", "--from", backup.toString(), "--data",
        restored.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("restored example.com/backup-cli at size 300");
    assertThat(cairn("verify", "--data", restored.toString()).out()).contains(
        "entries: 300 replayed").contains("dedup index: every entry below its watermark (300)");
    KeyCommandsTest.Result twice = cairn("restore", "--from", backup.toString(), "--data",
        restored.toString());
    assertThat(twice.code()).isEqualTo(CliException.IO);
    assertThat(twice.err()).contains("is not empty").contains("--force");
  }

  @Test
  void aCorruptDataDirectoryFailsVerificationNamingTheEntry() throws IOException {
    Path copy = dir.resolve("corrupt-" + System.nanoTime());
    try (var files = Files.walk(data)) {
      for (Path p : files.toList()) {
        Path t = copy.resolve(data.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
    Path bundle = copy.resolve("tiles/tile/entries/000");
    byte[] b = Files.readAllBytes(bundle);
    b[b.length - 1] ^= 1;
    Files.write(bundle, b);
    KeyCommandsTest.Result r = cairn("verify", "--data", copy.toString());
    assertThat(r.code()).isEqualTo(VerifyCommand.FAILED);
    assertThat(r.err()).contains("cairn verify: FAILED: entry 255: tile tile/0/000 holds leaf"
        + " hash");
    KeyCommandsTest.Result backup = cairn("backup", "--data", dir.resolve("nowhere").toString(),
        "--out", dir.resolve("b2").toString());
    assertThat(backup.code()).isEqualTo(CliException.IO);
    assertThat(backup.err()).contains("is not a Cairn data directory");
  }

  /** What a stolen ML-DSA-44 key file (it is a file even in prod) could sign is refused. */
  @Test
  void checkpointsTheMlDsaKeyAloneSignedFailVerificationAndBackup() throws IOException {
    Path copy = dir.resolve("mldsa-only-" + System.nanoTime());
    StoredLogs.copy(data, copy);
    StoredLogs.resignWithMlDsaOnly(copy);
    KeyCommandsTest.Result r = cairn("verify", "--data", copy.toString());
    assertThat(r.code()).as(r.err()).isEqualTo(VerifyCommand.FAILED);
    assertThat(r.err()).contains("cairn verify: FAILED: the history's checkpoint at size ")
        .contains("untrusted: the checkpoint lacks a signature by the log's Ed25519 key (only"
            + " ML-DSA-44 signed it)");
    KeyCommandsTest.Result any = cairn("verify", "--data", copy.toString(),
        "--accept-any-key-type");
    assertThat(any.code()).as(any.err()).isZero();
    KeyCommandsTest.Result backup = cairn("backup", "--data", copy.toString(), "--out",
        dir.resolve("b-" + System.nanoTime()).toString());
    assertThat(backup.code()).isEqualTo(CliException.IO);
    assertThat(backup.err()).contains("lacks a signature by the log's Ed25519 key");
  }

  @Test
  void verifyNeedsExactlyOneOfUrlAndData() {
    assertThat(cairn("verify").err()).contains("give either --url or --data");
    assertThat(cairn("verify", "--url", "http://127.0.0.1:1", "--data", ".").code())
        .isEqualTo(CliException.USAGE);
    KeyCommandsTest.Result missing = cairn("verify", "--data", dir.resolve("nope").toString());
    assertThat(missing.code()).isEqualTo(CliException.USAGE);
    assertThat(missing.err()).contains("is not a directory");
    assertThat(cairn("verify", "--url", "http://127.0.0.1:1").err()).contains(
        "--url needs the keys to trust: either --vkey, or --policy");
  }
}
