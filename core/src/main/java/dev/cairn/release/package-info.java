/**
 * Verifiable releases: the release manifest (a signed note listing a release's artifacts with
 * their sizes and SHA-256 digests, its commit and the log it is logged in) and the offline
 * verification of a release bundle, a tlog-proof whose extra data is that signed manifest.
 */
package dev.cairn.release;
