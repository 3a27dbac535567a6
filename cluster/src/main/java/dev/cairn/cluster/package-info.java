/**
 * The log's storage seams for several stateless log nodes sharing one log: {@link
 * dev.cairn.cluster.S3ObjectStore} keeps tiles, bundles and the checkpoint in an S3-compatible
 * bucket. Each backend implements a seam of {@link dev.cairn.log.storage} and passes its
 * contract tests; backends share no code. {@link dev.cairn.cluster.ClusterStorage} opens the two
 * together, for a node and for backup, verification and restore.
 */
package dev.cairn.cluster;
