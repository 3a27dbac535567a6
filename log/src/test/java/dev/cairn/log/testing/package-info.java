/**
 * Test helpers for the log module: in-memory stores that keep the storage contracts, wrappers
 * that inject faults ("fail and lose the write", "fail but persist it") or hold writes, a clock
 * the test moves, polling with a deadline, and a small HTTP client for a log on loopback.
 */
package dev.cairn.log.testing;
