package dev.cairn.cli;

import static dev.cairn.cli.KeyCommandsTest.cairn;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.log.keys.HsmSettings;
import dev.cairn.log.keys.Pkcs11Token;
import dev.cairn.log.testing.SoftHsm;
import dev.cairn.note.SignedNote;
import dev.cairn.note.VerifierKey;
import dev.cairn.note.VerifierSet;
import dev.cairn.release.ReleaseManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn release sign} with the release key on a real SoftHSM2 token. */
class ReleaseSignHsmTest {
  private final SoftHsm hsm = SoftHsm.shared();
  @TempDir Path dir;

  @Test
  void theTokenKeySignsTheManifestAndAP256KeyIsRefused() throws Exception {
    String label = "release-" + UUID.randomUUID().toString().substring(0, 8);
    hsm.generateEd25519(label);
    HsmSettings token = hsm.settings(dir, Optional.empty());
    VerifierKey onToken = Pkcs11Token.open(token).verifierKey("example.com/release", label);
    Path file = Files.writeString(dir.resolve("cairn-1.0.0.tar.gz"), "the release");
    Path manifest = dir.resolve("m");
    KeyCommandsTest.Result r = sign(token, label, manifest, file);
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("signed by " + onToken.encode());
    SignedNote note = SignedNote.parse(Files.readAllBytes(manifest));
    assertThat(note.open(VerifierSet.ofKeys(List.of(onToken))).verified()).hasSize(1);
    assertThat(ReleaseManifest.parse(note.text()).artifacts()).singleElement()
        .satisfies(a -> assertThat(a.size()).isEqualTo(11));

    String p256 = "p256-" + UUID.randomUUID().toString().substring(0, 8);
    hsm.generateP256(p256);
    KeyCommandsTest.Result refused = sign(token, p256, dir.resolve("m2"), file);
    assertThat(refused.code()).isEqualTo(CliException.USAGE);
    assertThat(refused.err()).contains("the PKCS#11 key \"" + p256 + "\" is ECDSA_P256",
        "a release key is an Ed25519 key");
    assertThat(dir.resolve("m2")).doesNotExist();
  }

  private static KeyCommandsTest.Result sign(HsmSettings token, String label, Path out,
      Path file) {
    return cairn("release", "sign", "--pkcs11-library", token.library().toString(),
        "--pkcs11-token", token.tokenLabel(), "--pkcs11-pin-file", token.pinFile().toString(),
        "--pkcs11-key", label, "--key-name", "example.com/release", "--version", "1.0.0",
        "--commit", "a".repeat(40), "--sbom", file.getFileName().toString(), "--out",
        out.toString(), file.toString());
  }
}
