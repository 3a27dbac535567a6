/**
 * JMH benchmarks of the core's hot paths: leaf and node hashing, the right edge, building the
 * tiles of a million-entry log, tree hashes and proofs over tiles, and signed notes.
 *
 * <p>Every hashing path {@code X} has a twin {@code XBaseline} in the same class that does the
 * same SHA-256 work with a bare {@link java.security.MessageDigest}, so a run reports the path's
 * overhead as the ratio of the two. {@code bench/README.md} says how to run and read them.
 */
package dev.cairn.bench;
