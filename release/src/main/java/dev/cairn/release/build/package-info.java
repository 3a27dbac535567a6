/**
 * Release tooling that never ships: the dependency policy gate over the distribution's SBOM and
 * the readiness report built from a test run's evidence.
 */
package dev.cairn.release.build;
