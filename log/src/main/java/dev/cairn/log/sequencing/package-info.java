/**
 * The write path: the {@link dev.cairn.log.sequencing.Sequencer} pools submissions and turns each
 * batch into durable bundles, tiles and a tree state before acknowledging indices; the {@link
 * dev.cairn.log.publishing.Publisher} signs and publishes checkpoints over the sequenced tree on its
 * own, slower clock. The crash-safe ordering is written down in the code that performs it.
 */
package dev.cairn.log.sequencing;
