/**
 * The offline verifier: one entry point, {@link dev.cairn.verify.LogVerifier}, that checks
 * checkpoints against trusted log keys and a witness policy, inclusion proofs (tlog-proof) for
 * entries, and the consistency of two checkpoints — returning typed results or a {@link
 * dev.cairn.verify.VerificationException} whose {@link dev.cairn.verify.VerificationException.Reason}
 * a caller can act on.
 */
package dev.cairn.verify;
