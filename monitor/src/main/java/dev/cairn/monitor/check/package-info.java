/** The checks of one log: signatures, quorum, consistency, split views, replay, freshness, watch rules. */
package dev.cairn.monitor.check;
