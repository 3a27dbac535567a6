/**
 * The log as one object: opens a data directory (lock, keys, stores), runs the sequencer and
 * the publisher, and answers the questions the HTTP API asks — proofs, history, metrics.
 */
package dev.cairn.log;
