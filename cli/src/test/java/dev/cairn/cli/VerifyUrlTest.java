package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.SimpleFileServer;
import dev.cairn.checkpoint.Checkpoint;
import dev.cairn.merkle.Hasher;
import dev.cairn.note.SignatureType;
import dev.cairn.note.SignedNote;
import dev.cairn.note.SignerKey;
import dev.cairn.tile.Bundles;
import dev.cairn.tile.EntryBundle;
import dev.cairn.tile.TileBuilder;
import dev.cairn.tile.TilePath;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cairn verify --url} audits any tlog-tiles log, here a directory of static files served
 * by the JDK's plain file server: no Cairn server involved.
 */
class VerifyUrlTest {
  private static final SignerKey KEY = SignerKey.fromSeed("example.com/static",
      SignatureType.ED25519, new byte[32]);
  private static final SignerKey MLDSA = SignerKey.fromSeed("example.com/static",
      SignatureType.MLDSA44_SUBTREE_V1, new byte[32]);

  @TempDir Path dir;
  private Path log;
  private HttpServer server;
  private String url;
  private String vkey;
  private byte[] checkpointAt300;

  @BeforeEach
  void serveAStaticLog() throws IOException {
    log = Files.createDirectories(dir.resolve("log"));
    TileBuilder tree = TileBuilder.empty();
    Hasher hasher = new Hasher();
    List<byte[]> bundle = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      byte[] entry = ("static entry " + i).getBytes(StandardCharsets.UTF_8);
      bundle.add(entry);
      tree.append(hasher.leaf(entry).toByteArray(), 0, (tile, data) -> write(tile, data));
      if (bundle.size() == 256) {
        write(EntryBundle.full(i / 256), Bundles.encode(bundle));
        bundle.clear();
      }
      if (i + 1 == 300 || i + 1 == 1000) {
        tree.partialTiles(0).forEach(t -> write(t.tile(), t.data()));
        write(new EntryBundle(i / 256, bundle.size()), Bundles.encode(bundle));
        byte[] note = SignedNote.sign(new Checkpoint(KEY.name(), i + 1, tree.root()).format(),
            List.of(KEY.signer())).encode();
        Files.write(log.resolve("checkpoint"), note);
        if (i + 1 == 300) {
          checkpointAt300 = note;
        }
      }
    }
    server = SimpleFileServer.createFileServer(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), log.toAbsolutePath(),
        SimpleFileServer.OutputLevel.NONE);
    server.start();
    url = "http://127.0.0.1:" + server.getAddress().getPort();
    vkey = KEY.verifierKey().encode();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void aStaticLogVerifiesInFullAndAsAnExtensionOfAnEarlierCheckpoint() throws IOException {
    Path state = Files.write(dir.resolve("state"), checkpointAt300);
    KeyCommandsTest.Result r = KeyCommandsTest.cairn("verify", "--url", url, "--vkey", vkey,
        "--full", "--state", state.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("checkpoint: example.com/static size 1000 root "
        + Checkpoint.parse(SignedNote.parse(Files.readAllBytes(log.resolve("checkpoint")))
            .text()).root() + " signed by [ED25519]\n"
        + "tiles: root recomputed from the tiles matches\n"
        + "replay: all 1000 entries hash to the checkpoint root and every tile matches\n"
        + "consistency: size 300 (from " + state + ") is a prefix of size 1000\n"
        + "OK\n");
    assertThat(Files.readAllBytes(state))
        .isEqualTo(Files.readAllBytes(log.resolve("checkpoint")));
  }

  @Test
  void aTamperedEntryFailsTheFullReplayNamingIt() throws IOException {
    Path bundle = log.resolve("tile/entries/001");
    byte[] b = Files.readAllBytes(bundle);
    b[2] ^= 1; // the first byte of entry 256
    Files.write(bundle, b);
    KeyCommandsTest.Result quick = KeyCommandsTest.cairn("verify", "--url", url, "--vkey",
        vkey);
    assertThat(quick.code()).as(quick.err()).isZero(); // the tiles alone cannot tell
    KeyCommandsTest.Result r = KeyCommandsTest.cairn("verify", "--url", url, "--vkey", vkey,
        "--full");
    assertThat(r.code()).isEqualTo(VerifyCommand.FAILED);
    assertThat(r.err()).startsWith("cairn verify: FAILED: entry 256: tile tile/0/001 holds"
        + " leaf hash ").contains("but the entry in tile/entries/001 hashes to");
  }

  @Test
  void aMissingTileFailsNamingItsUrl() throws IOException {
    Files.delete(log.resolve("tile/1/000.p/3"));
    KeyCommandsTest.Result r = KeyCommandsTest.cairn("verify", "--url", url, "--vkey", vkey);
    assertThat(r.code()).isEqualTo(VerifyCommand.FAILED);
    assertThat(r.err()).contains(url + "/tile/1/000.p/3: answered 404");
  }

  /**
   * Trusting the Ed25519 and ML-DSA-44 keys, a checkpoint needs both signatures: the ML-DSA-44
   * key alone (a stolen key file) is refused unless --accept-any-key-type says otherwise.
   */
  @Test
  void aCheckpointNeedsASignatureOfEachTrustedKeyType() throws IOException {
    Path vkeys = Files.writeString(dir.resolve("log.vkey"),
        KEY.verifierKey().encode() + "\n" + MLDSA.verifierKey().encode() + "\n");
    String text = SignedNote.parse(Files.readAllBytes(log.resolve("checkpoint"))).text();
    Files.write(log.resolve("checkpoint"),
        SignedNote.sign(text, List.of(MLDSA.signer())).encode());
    KeyCommandsTest.Result r = KeyCommandsTest.cairn("verify", "--url", url, "--vkey",
        vkeys.toString());
    assertThat(r.code()).isEqualTo(VerifyCommand.FAILED);
    assertThat(r.err()).isEqualTo("cairn verify: FAILED: untrusted: the checkpoint lacks a"
        + " signature by the log's Ed25519 key (only ML-DSA-44 signed it); every key type the log"
        + " publishes must sign\n");
    KeyCommandsTest.Result any = KeyCommandsTest.cairn("verify", "--url", url, "--vkey",
        vkeys.toString(), "--accept-any-key-type");
    assertThat(any.code()).as(any.err()).isZero();
    assertThat(any.out()).contains("signed by [MLDSA44_SUBTREE_V1]");

    Files.write(log.resolve("checkpoint"),
        SignedNote.sign(text, List.of(KEY.signer(), MLDSA.signer())).encode());
    KeyCommandsTest.Result both = KeyCommandsTest.cairn("verify", "--url", url, "--vkey",
        vkeys.toString(), "--full");
    assertThat(both.code()).as(both.err()).isZero();
    assertThat(both.out()).containsPattern("signed by \\[(ED25519, MLDSA44_SUBTREE_V1|"
        + "MLDSA44_SUBTREE_V1, ED25519)]");
    assertThat(KeyCommandsTest.cairn("verify", "--help").out())
        .contains("--accept-any-key-type", "one stolen key cannot forge one");
  }

  @Test
  void aCaFileThatCannotBeUsedIsAUsageError() {
    KeyCommandsTest.Result r = KeyCommandsTest.cairn("verify", "--url", url, "--vkey", vkey,
        "--ca-cert", dir.resolve("nowhere.pem").toString());
    assertThat(r.code()).isEqualTo(CliException.USAGE);
    assertThat(r.err()).contains("--ca-cert: " + dir.resolve("nowhere.pem") + " does not exist");
  }

  private void write(TilePath p, byte[] data) {
    try {
      Path f = log.resolve(p.path());
      Files.createDirectories(f.getParent());
      Files.write(f, data);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
