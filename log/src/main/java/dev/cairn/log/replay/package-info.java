/**
 * Offline verification of a stored log by replay: every entry is hashed again, every tile and
 * every checkpoint in the history is recomputed from the entries alone and compared with what is
 * stored, and every checkpoint's signatures are checked. Works on a data directory (also while
 * the log serves from it), on a backup, and on any log through its storage seams (a cluster's
 * database and bucket, {@link dev.cairn.log.replay.StorageSource}).
 */
package dev.cairn.log.replay;
