package dev.cairn.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.cairn.log.backup.BackupManifest;

/**
 * A backup manifest, which a restore reads from wherever the backup was kept, is rejected with
 * {@link IllegalArgumentException} or parsed into a manifest that writes itself out and reads
 * back as the same manifest. Any other exception is a bug.
 */
class BackupManifestFuzzTest {
  @FuzzTest(maxDuration = "2m")
  void manifest(byte[] data) {
    BackupManifest manifest;
    try {
      manifest = BackupManifest.parse(data);
    } catch (IllegalArgumentException expected) {
      return;
    }
    byte[] encoded = manifest.encode();
    BackupManifest again = BackupManifest.parse(encoded);
    assertThat(again).isEqualTo(manifest);
    assertThat(again.encode()).isEqualTo(encoded);
    assertThat(manifest.files().keySet()).allSatisfy(path -> assertThat(path)
        .doesNotStartWith("/").doesNotContain("..").doesNotContain("//"));
  }
}
