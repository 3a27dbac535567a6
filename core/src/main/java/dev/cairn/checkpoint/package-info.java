/**
 * C2SP tlog-checkpoint note bodies: origin, tree size, root hash and extension lines. Signing and
 * opening a checkpoint note are in {@link dev.cairn.note} and {@link dev.cairn.verify}; this
 * package is the body alone, so every other package can depend on it.
 */
package dev.cairn.checkpoint;
