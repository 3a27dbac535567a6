/**
 * Publication of checkpoints: take the integrated tree head, sign it with the log's keys, let a
 * {@link dev.cairn.log.publishing.CheckpointEndorser} add cosignatures or refuse, swap it in as
 * the latest checkpoint (with its history), publish it as the object store's {@code checkpoint},
 * and only then serve it; partial tiles the new checkpoint made full are then deleted.
 */
package dev.cairn.log.publishing;
