package dev.cairn.cli.settings;

import java.nio.file.Path;

/**
 * Where a setting's value came from, lowest precedence first. {@link #toString()} is how error
 * messages and {@code GET /admin/config} name it.
 */
public sealed interface Source {
  /** The declared default. */
  record Default() implements Source {
    @Override
    public String toString() {
      return "default";
    }
  }

  /** The YAML file given with {@code --config}. */
  record ConfigFile(Path file) implements Source {
    @Override
    public String toString() {
      return file.toString();
    }
  }

  /** A {@code CAIRN_*} environment variable. */
  record Environment(String variable) implements Source {
    @Override
    public String toString() {
      return "environment variable " + variable;
    }
  }

  /** A command-line flag. */
  record Flag(String flag) implements Source {
    @Override
    public String toString() {
      return "flag " + flag;
    }
  }
}
