/**
 * The log's storage, split by role: the {@link dev.cairn.log.storage.SequenceLog} of sequenced
 * batches (the commit point of writes), an {@link dev.cairn.log.storage.ObjectStore} for tiles and
 * entry bundles, a {@link dev.cairn.log.storage.TreeStateStore} that records how far the object
 * store goes, a compare-and-swap {@link dev.cairn.log.storage.CheckpointStore} for the latest
 * published checkpoint, a {@link dev.cairn.log.storage.DedupIndex} from leaf hash to index, and the
 * append-only {@link dev.cairn.log.storage.CheckpointHistory}.
 *
 * <p>Each interface states its durability and concurrency contract; every backend passes the
 * same contract tests (in this module's test jar) and shares no code with the others. The
 * embedded backends are in {@link dev.cairn.log.storage.embedded}.
 */
package dev.cairn.log.storage;
