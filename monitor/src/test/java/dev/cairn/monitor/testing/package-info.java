/**
 * Test fixtures for the monitor: {@link dev.cairn.monitor.testing.RogueLog}, a tlog-tiles log
 * with witness endpoints on loopback that misbehaves on command, and {@link
 * dev.cairn.monitor.testing.RogueLogProcess}, the same log as a child process for end-to-end
 * tests; {@link dev.cairn.monitor.testing.Targets} configures the monitor for such a log.
 */
package dev.cairn.monitor.testing;
