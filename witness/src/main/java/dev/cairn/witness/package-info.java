/**
 * The witness role (C2SP tlog-witness): it keeps, for each log it is configured to follow, the
 * latest checkpoint it cosigned, and cosigns a new checkpoint of that log only when a
 * consistency proof shows it extends that one. {@link dev.cairn.witness.Witness} holds the checks
 * and their crash-safe ordering; {@link dev.cairn.witness.WitnessServer} serves them over HTTP.
 */
package dev.cairn.witness;
