package dev.cairn.signing;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A PKCS#11 token to sign with.
 *
 * @param pkcs11Config the SunPKCS11 configuration file (library, slot or token label)
 * @param pinFile a file holding the user PIN (its first line), readable by the log alone
 * @param newLogAlias the alias of the key that signs a new log's checkpoints instead of an
 *     Ed25519 file key; an existing log takes HSM keys through rotation
 */
public record HsmSettings(Path pkcs11Config, Path pinFile, Optional<String> newLogAlias) {}
