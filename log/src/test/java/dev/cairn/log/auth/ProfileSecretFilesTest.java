package dev.cairn.log.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The prod profile's check of secret files, and the one group it lets read them: the process's
 * own, as a Kubernetes Secret mounted under the pod's {@code fsGroup} is.
 */
class ProfileSecretFilesTest {
  @TempDir Path dir;
  private Path key;
  /** A group the file can be given: any as root, else this process's own. */
  private int group;

  @BeforeEach
  void key() throws Exception {
    key = dir.resolve("tls.key");
    Files.writeString(key, "secret\n");
    int self = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    group = self == 0 ? 65532 : (Integer) Files.getAttribute(key, "unix:gid");
    Files.setAttribute(key, "unix:gid", group);
  }

  private java.util.List<String> problems(String mode, long processGroup) throws Exception {
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString(mode));
    return Profile.PROD.secretFileProblems(Map.of("tls_key", key), processGroup);
  }

  @Test
  void aFileOnlyTheProcesssOwnGroupMayReadIsAccepted() throws Exception {
    assertThat(problems("r--r-----", group)).isEmpty();
    assertThat(problems("rw-r-----", group)).isEmpty();
  }

  @Test
  void anotherGroupMayNotRead() throws Exception {
    assertThat(problems("r--r-----", group + 1)).singleElement().asString()
        .contains("tls_key " + key + " is open to group or others (r--r-----)", "chmod 600");
  }

  @Test
  void rootsGroupOrAnUnknownGroupNeverCounts() throws Exception {
    Files.setAttribute(key, "unix:gid", 0);
    assertThat(problems("r--r-----", 0)).hasSize(1);
    Files.setAttribute(key, "unix:gid", group);
    assertThat(problems("r--r-----", -1)).hasSize(1);
  }

  @Test
  void theOwnGroupMayStillNotWriteAndOthersMayNotRead() throws Exception {
    assertThat(problems("r--rw----", group)).singleElement().asString()
        .contains("(r--rw----)");
    assertThat(problems("r--r--r--", group)).singleElement().asString()
        .contains("(r--r--r--)");
  }

  @Test
  void theDevProfileChecksNothing() throws Exception {
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-rw-rw-"));
    assertThat(Profile.DEV.secretFileProblems(Map.of("tls_key", key), group)).isEmpty();
  }
}
