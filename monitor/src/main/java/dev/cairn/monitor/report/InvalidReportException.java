package dev.cairn.monitor.report;

/**
 * A report's JSON is not of the form {@link ReportJson} reads and writes; the message names the
 * JSON path ({@code findings[2].fingerprint}) and what is wrong with it.
 */
public final class InvalidReportException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** A report that is wrong as {@code detail} says. */
  public InvalidReportException(String detail) {
    super("invalid report: " + detail);
  }

  /** A report that is wrong as {@code detail} says, because of {@code cause}. */
  public InvalidReportException(String detail, Throwable cause) {
    super("invalid report: " + detail, cause);
  }
}
