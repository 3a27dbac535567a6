/**
 * Interoperability tests: Cairn's logs, notes and proofs against implementations written
 * independently of it (Go's golang.org/x/mod/sumdb, built and run from {@code interop/go}, and the
 * JDK's ML-DSA). Each direction is checked, and each check is shown to fail on a one-bit change.
 * The same Go auditor also audits a running log over HTTP, and a crash test kills {@code cairn
 * serve} under load and checks that nothing it acknowledged or served is lost.
 */
package dev.cairn.interop;
