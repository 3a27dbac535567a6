package dev.cairn.release.build;

import java.nio.file.Path;

/** Where the tests find the repository and what the build made in it. */
final class Repository {
  private Repository() {}

  /** The repository's root (the surefire property, else the parent of the working directory). */
  static Path root() {
    String dir = System.getProperty("cairn.repository.directory");
    return (dir != null ? Path.of(dir) : Path.of("..")).toAbsolutePath().normalize();
  }

  /** The version this build gives Cairn. */
  static String version() {
    return System.getProperty("cairn.version");
  }

  /** The CLI module's package output: cairn.jar, lib/, native/, cairn-sbom.json. */
  static Path cliTarget() {
    return root().resolve("cli/target");
  }

  static Path sbom() {
    return cliTarget().resolve("cairn-sbom.json");
  }

  static Path policy() {
    return root().resolve("release/policy");
  }
}
