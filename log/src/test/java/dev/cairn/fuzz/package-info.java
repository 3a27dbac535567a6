/**
 * Jazzer fuzz targets for the log module's parsers of outside input. A normal test run replays
 * each target's inputs (src/test/resources/dev/cairn/fuzz/&lt;Class&gt;Inputs/&lt;method&gt;/);
 * {@code scripts/fuzz} runs them in fuzzing mode.
 */
package dev.cairn.fuzz;
