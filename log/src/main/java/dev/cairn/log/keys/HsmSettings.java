package dev.cairn.log.keys;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A PKCS#11 token to sign checkpoints with.
 *
 * @param library the token's PKCS#11 module, e.g. {@code /usr/lib/softhsm/libsofthsm2.so}
 * @param tokenLabel the label of the token in that module
 * @param pinFile a file holding the user PIN (its first line), readable by the log alone
 * @param newLogKey the label of the key that signs a new log's checkpoints instead of an
 *     Ed25519 file key; an existing log takes HSM keys through rotation
 */
public record HsmSettings(Path library, String tokenLabel, Path pinFile,
    Optional<String> newLogKey) {
  /** Checks that the token is named. */
  public HsmSettings {
    if (tokenLabel.isBlank()) {
      throw new IllegalArgumentException("the PKCS#11 token label must not be empty");
    }
  }
}
