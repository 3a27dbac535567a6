package dev.cairn.cli;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import org.slf4j.LoggerFactory;

/**
 * How the process writes its log lines on stderr: {@link #TEXT} (the default) or {@link #JSON}
 * (logback's {@link JsonEncoder}: one object a line with the time ({@code timestamp}, epoch
 * milliseconds), {@code level}, {@code loggerName}, {@code message} (the template) and {@code
 * formattedMessage} (the line), the exception ({@code throwable}) and the MDC under {@code
 * mdc} — a server's {@code request_id} and {@code trace_id} while it handles a request, a
 * monitor run's {@code run_id}), for log collectors.
 */
enum LogFormat {
  /** {@link LogSetup#PATTERN}, for people. */
  TEXT,
  /** One JSON object a line, for log collectors. */
  JSON;

  /** Applies {@code format}: {@code text} (the default, unchanged) or {@code json}. */
  static void apply(String format) {
    switch (format) {
      case "text" -> TEXT.apply();
      case "json" -> JSON.apply();
      default -> throw new CliException(CliException.USAGE, "--log-format must be text or json,"
          + " not \"" + format + "\"");
    }
  }

  /** Switches the process's log lines to this format. */
  void apply() {
    if (this == JSON) {
      json();
    }
  }

  private static void json() {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.detachAndStopAllAppenders();
    JsonEncoder encoder = new JsonEncoder();
    encoder.setContext(context);
    encoder.setWithFormattedMessage(true); // the line as text prints it, besides its template
    encoder.start();
    root.addAppender(LogSetup.stderr(context, "STDERR-JSON", encoder));
  }
}
