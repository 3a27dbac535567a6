/**
 * The log's side of C2SP tlog-witness: before a checkpoint is published, it is sent to every
 * witness of a tlog-policy with a consistency proof from the size that witness last cosigned, and
 * published only with the cosignatures that meet the policy's quorum ({@link
 * dev.cairn.log.witnessing.WitnessQuorum}, a {@link dev.cairn.log.publishing.CheckpointEndorser}).
 * What each witness last cosigned is kept in a {@link dev.cairn.log.witnessing.CosignedSizes}.
 */
package dev.cairn.log.witnessing;
