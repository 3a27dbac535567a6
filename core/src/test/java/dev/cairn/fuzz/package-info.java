/**
 * Jazzer fuzz targets, one per parser. In a normal test run they replay the seed and crash
 * inputs under {@code src/test/resources/dev/cairn/fuzz/ParsersFuzzTestInputs/<target>/};
 * {@code scripts/fuzz} runs them in fuzzing mode.
 */
package dev.cairn.fuzz;
