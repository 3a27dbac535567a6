/**
 * Where checkpoint signatures come from: the log's key ring (which keys are active, which are
 * retired, and where each private key lives) and the hardware token (PKCS#11) signer.
 */
package dev.cairn.log.keys;
