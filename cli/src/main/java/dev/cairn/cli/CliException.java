package dev.cairn.cli;

/** A failure the user can act on: printed as one line, exiting with {@link #exitCode()}. */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Exit code for bad usage or bad input (sysexits EX_USAGE / EX_DATAERR). */
  static final int USAGE = 64;

  /** Exit code when an input file cannot be read or an output cannot be written. */
  static final int IO = 74;

  private final int exitCode;

  CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
