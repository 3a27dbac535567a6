/**
 * Reading any C2SP tlog-tiles log — a static directory, a log over HTTP, a running log's object
 * store — through one {@link dev.cairn.read.LogReader}, and replaying it: every entry hashed
 * again and every tile and checkpoint recomputed from the entries alone. Needs nothing beyond
 * the JDK and this library, so monitors, explorers and auditors read logs without a server's
 * dependencies.
 */
package dev.cairn.read;
