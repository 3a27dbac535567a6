package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hasher;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.note.VerifierKey;
import dev.cairn.note.VerifierSet;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn keygen} and {@code cairn vkey} through the real command line. */
class KeyCommandsTest {
  record Result(int code, String out, String err) {}

  static Result cairn(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void everyCommandTakesHelpAsTheReadmeSays() {
    for (String command : List.of("serve", "verify", "backup", "restore", "keygen", "key",
        "vkey", "release")) {
      Result r = cairn(command, "--help");
      assertThat(r.code()).as(command + ": " + r.err()).isZero();
      assertThat(r.out()).as(command).startsWith("Usage: cairn " + command);
    }
    assertThat(cairn("serve", "--help").out()).contains("--pool-limit", "--checkpoint-interval");
    for (String sub : List.of("keygen", "sign", "log", "verify")) {
      Result r = cairn("release", sub, "--help");
      assertThat(r.code()).as(sub + ": " + r.err()).isZero();
      assertThat(r.out()).as(sub).startsWith("Usage: cairn release " + sub);
    }
  }

  @Test
  void keygenWritesKeysThatSignVerifiableCheckpoints(@TempDir Path dir) throws IOException {
    Path keys = dir.resolve("keys");
    Result r = cairn("keygen", "--origin", "example.com/log", "--out", keys.toString());
    assertThat(r.code()).as(r.err()).isZero();
    List<String> vkeys = r.out().lines().toList();
    assertThat(vkeys).hasSize(2);
    assertThat(Files.readAllLines(keys.resolve("log.vkey"))).isEqualTo(vkeys);
    VerifierKey ed = VerifierKey.parse(vkeys.get(0));
    VerifierKey ml = VerifierKey.parse(vkeys.get(1));
    assertThat(ed.type()).isEqualTo(SignatureType.ED25519);
    assertThat(ml.type()).isEqualTo(SignatureType.MLDSA44_SUBTREE_V1);
    assertThat(ed.name()).isEqualTo("example.com/log").isEqualTo(ml.name());
    assertThat(Files.getPosixFilePermissions(keys.resolve("log.skey")))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    SignerKey edKey = SignerKey.parse(Files.readString(keys.resolve("log.skey")));
    SignerKey mlKey = SignerKey.parse(Files.readString(keys.resolve("log-mldsa44.skey")));
    String text = new Checkpoint("example.com/log", 0, Hasher.emptyRoot()).format();
    SignedNote note = SignedNote.sign(text, List.of(edKey.signer(), mlKey.signer()));
    assertThat(SignedNote.parse(note.encode()).open(VerifierSet.ofKeys(List.of(ed, ml)))
        .verified()).hasSize(2);

    Result v = cairn("vkey", keys.resolve("log-mldsa44.skey").toString());
    assertThat(v.code()).isZero();
    assertThat(v.out().strip()).isEqualTo(vkeys.get(1));
  }

  @Test
  void keygenNeverOverwritesAndValidatesTheOrigin(@TempDir Path dir) throws IOException {
    assertThat(cairn("keygen", "--origin", "a.example", "--out", dir.toString()).code()).isZero();
    String before = Files.readString(dir.resolve("log.skey"));
    Result again = cairn("keygen", "--origin", "a.example", "--out", dir.toString());
    assertThat(again.code()).isEqualTo(64);
    assertThat(again.err()).contains("refusing to overwrite").contains("log.skey");
    assertThat(Files.readString(dir.resolve("log.skey"))).isEqualTo(before);

    Path other = dir.resolve("other");
    Result bad = cairn("keygen", "--origin", "has space", "--out", other.toString());
    assertThat(bad.code()).isEqualTo(64);
    assertThat(bad.err()).contains("invalid --origin");
    assertThat(other).doesNotExist();
  }

  @Test
  void vkeyReportsBadFilesWithoutLeakingSecrets(@TempDir Path dir) throws IOException {
    Result missing = cairn("vkey", dir.resolve("nope").toString());
    assertThat(missing.code()).isEqualTo(74);
    assertThat(missing.err()).contains("no such key file");

    Path bad = dir.resolve("bad.skey");
    Files.writeString(bad, "# comment\nPRIVATE+KEY+a+00000000+AWJhZGJhZGJhZGJhZGJhZGJhZGJhZGJhZGJhZGJhZGI=\n");
    Result r = cairn("vkey", bad.toString());
    assertThat(r.code()).isEqualTo(64);
    assertThat(r.err()).contains("line 2").contains("signer key material")
        .doesNotContain("AWJhZGJh");

    Path empty = dir.resolve("empty.skey");
    Files.writeString(empty, "\n");
    assertThat(cairn("vkey", empty.toString()).err()).contains("holds no signer key");
  }

  @Test
  void versionAndUsage() {
    Result v = cairn("version");
    assertThat(v.code()).isZero();
    assertThat(v.out()).startsWith("cairn ").contains("Java");
    Result u = cairn("no-such-command");
    assertThat(u.code()).isNotZero();
    assertThat(u.err()).contains("no-such-command");
  }
}
