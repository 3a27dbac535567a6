/**
 * Backups of a log — from its data directory, or through its storage seams — and restores from
 * them, into a data directory ({@link dev.cairn.log.backup.Restore}) or through the seams
 * ({@link dev.cairn.log.backup.StorageRestore}). A backup is a directory:
 *
 * <pre>
 *   manifest                 what the backup holds (written last: a backup without one is not
 *                            a backup); see {@link dev.cairn.log.backup.BackupManifest}
 *   checkpoint-&lt;N&gt;         the checkpoint the backup captures, of size N
 *   log.vkey, keys/          the log's verifier and signer keys (protect backups like keys)
 *   tiles/tile/...           every tile and bundle of size N; partial ones at their width,
 *                            tile/0/005.p/37, so a newer backup never rewrites a file an older
 *                            manifest lists
 *   history/&lt;first&gt;-&lt;last&gt; the checkpoint history up to N, in segments
 * </pre>
 */
package dev.cairn.log.backup;
