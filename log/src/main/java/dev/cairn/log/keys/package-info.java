/**
 * Where checkpoint signatures come from: the log's key ring (which keys are active, which are
 * retired, and where each private key lives) and the {@link dev.cairn.log.keys.KeyRingStore} it
 * is kept in, the key files of a data directory, the signers of a ring's active keys, the
 * rotation that changes the ring, and the hardware token (PKCS#11) signer.
 */
package dev.cairn.log.keys;
