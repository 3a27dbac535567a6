/**
 * The embedded storage backends behind {@code ./cairn serve}: tiles and bundles as files in a
 * directory (write to a temporary file, fsync, rename, fsync the directory), the tree state and
 * latest checkpoint as small atomically replaced files, and the dedup index and checkpoint
 * history in an embedded RocksDB. A lock file keeps a second process off the same directory.
 */
package dev.cairn.log.storage.embedded;
