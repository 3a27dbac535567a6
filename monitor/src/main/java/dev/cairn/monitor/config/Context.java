package dev.cairn.monitor.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What reading one file needs besides its tree.
 *
 * @param label the file as error messages name it
 * @param dir the directory relative paths in the file resolve against
 * @param env the environment {@code *_env} keys read
 * @param prod whether the prod profile's stricter rules apply
 * @param warnings collects warnings, each already prefixed with the label
 */
record Context(String label, Path dir, Map<String, String> env, boolean prod,
    List<String> warnings) {

  /** An error about the key at {@code path}. */
  ConfigException error(String path, String message) {
    return new ConfigException(label + ": " + (path.isEmpty() ? "" : path + ": ") + message);
  }

  /** Records a warning about the key at {@code path}. */
  void warn(String path, String message) {
    warnings.add(label + ": " + path + ": " + message);
  }

  /** {@code text} as a path, relative ones resolved against the file's directory. */
  Path resolve(String path, String text) {
    try {
      return dir.resolve(text).normalize();
    } catch (java.nio.file.InvalidPathException e) {
      throw error(path, "not a path: " + e.getReason());
    }
  }
}
