/**
 * The log's HTTP API on Jetty 12: C2SP tlog-tiles reads ({@code /checkpoint}, {@code /tile/...}),
 * writes ({@code /add}, {@code /add-batch}), proofs and checkpoint history for auditors, and
 * health, readiness, metrics and a home page. Blocking work runs on virtual threads; a write
 * waits on its sequencing future, never on a platform thread.
 */
package dev.cairn.log.http;
