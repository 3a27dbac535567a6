package dev.cairn.cli.settings;

/**
 * Settings that cannot be used: a bad value (the message names the key, the value and where it
 * came from), a bad config file, or settings that contradict each other. The command exits with
 * the usage code, 64.
 */
public final class SettingsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A failure whose message a person can act on, printed as it is. */
  public SettingsException(String message) {
    super(message);
  }
}
