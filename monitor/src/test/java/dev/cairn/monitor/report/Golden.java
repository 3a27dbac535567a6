package dev.cairn.monitor.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden files under {@code src/test/resources/reports/}. Run the tests with {@code
 * -Dcairn.golden.write=true} to write them from the implementation again, then review the diff.
 */
public final class Golden {
  static final Path DIR = Path.of("src/test/resources/reports");

  private Golden() {}

  /** The golden file {@code name}, written first from {@code actual} when asked to. */
  public static byte[] of(String name, byte[] actual) throws IOException {
    Path file = DIR.resolve(name);
    if (Boolean.getBoolean("cairn.golden.write")) {
      Files.write(file, actual);
    }
    return Files.readAllBytes(file);
  }
}
