package dev.cairn.cli;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import org.slf4j.LoggerFactory;

/**
 * Switches the process's log lines on stderr to JSON (logback's {@link JsonEncoder}: one object
 * a line with the time, level, logger, message, the exception and the MDC — a monitor run's
 * {@code run_id}), for log collectors.
 */
final class LogFormat {
  private LogFormat() {}

  /** Applies {@code format}: {@code text} (the default, unchanged) or {@code json}. */
  static void apply(String format) {
    switch (format) {
      case "text" -> { }
      case "json" -> json();
      default -> throw new CliException(CliException.USAGE, "--log-format must be text or json,"
          + " not \"" + format + "\"");
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
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName("STDERR-JSON");
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    root.addAppender(stderr);
  }
}
