/**
 * Whether each part of the log that writes — the sequencer, the integrator, the publisher — can
 * write now: faults by kind, since when and why, for readiness, metrics and the log; fatal
 * faults stop the part until an operator acts.
 */
package dev.cairn.log.health;
