/**
 * The C2SP tlog-proof format ({@code c2sp.org/tlog-proof@v1}): an entry's index, its inclusion
 * proof and the signed checkpoint it leads to, in one offline-verifiable text.
 */
package dev.cairn.proof;
