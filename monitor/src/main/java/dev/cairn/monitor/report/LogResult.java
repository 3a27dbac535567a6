package dev.cairn.monitor.report;

import java.util.Objects;
import java.util.Optional;

/**
 * What one run found out about one log.
 *
 * @param name the configured name
 * @param url where it was read
 * @param status {@code ok} (every check ran and passed), {@code findings} (checks ran, some
 *     failed), or {@code unreachable} (the checkpoint could not be read; nothing was checked)
 * @param size the size of the checkpoint the log served, if it was read
 * @param root its root hash (base64), if it was read
 * @param previousSize the size of the checkpoint accepted before this run, if any
 * @param entriesReplayed how many entries this run fetched and replayed
 * @param accepted whether this run's checkpoint became the log's accepted state
 */
public record LogResult(String name, String url, String status, Optional<Long> size,
    Optional<String> root, Optional<Long> previousSize, long entriesReplayed, boolean accepted) {
  /** Checks nothing is null. */
  public LogResult {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(size, "size");
    Objects.requireNonNull(root, "root");
    Objects.requireNonNull(previousSize, "previousSize");
  }
}
