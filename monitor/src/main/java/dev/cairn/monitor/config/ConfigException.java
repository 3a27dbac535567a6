package dev.cairn.monitor.config;

/**
 * A {@code monitor.yaml} that cannot be used. The message is for a person and always starts with
 * the file, then the key path when one is at fault, as in {@code monitor.yaml:
 * logs[1].max_checkpoint_age: "5 minutes" is not a duration (e.g. 30s, 5m, 2h, 1d)}. Sequence
 * indices in key paths count from 0. Messages never contain a secret.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** An error whose message is already complete. */
  public ConfigException(String message) {
    super(message);
  }
}
