/**
 * RFC 9162 Merkle tree math: the {@link dev.cairn.merkle.Hash} value, leaf and node hashing,
 * the append-only {@link dev.cairn.merkle.RightEdge}, and inclusion and consistency proofs.
 *
 * <p>Everything here is pure: proofs are built from a {@link dev.cairn.merkle.HashReader} that
 * hands out stored subtree hashes, so the math knows nothing of files, tiles or HTTP.
 */
package dev.cairn.merkle;
