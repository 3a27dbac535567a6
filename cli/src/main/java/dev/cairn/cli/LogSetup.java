package dev.cairn.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The process's logging, set up in code (logback finds it as a service) rather than from an XML
 * file, whose configurator (the JDK's XML parser and logback's model of a configuration, several
 * hundred classes) every start paid for. Lines go to stderr in {@link #PATTERN}; the level is
 * {@code CAIRN_LOG_LEVEL} (a system property or the environment, default {@code INFO}, {@code
 * DEBUG} if it names no level, as the XML file had it); Jetty says only warnings. {@code
 * -Dlogback.configurationFile=FILE}, or a {@code logback-test.xml} on the class path (a test's),
 * still configures logback instead.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {
  /** The text format of a line: time, level, thread, logger, message. */
  static final String PATTERN =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{0}: %msg%n";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null
        || LogSetup.class.getClassLoader().getResource("logback-test.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    apply(context);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** Sets {@code context} up as described above. */
  static void apply(LoggerContext context) {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    String level = System.getProperty("CAIRN_LOG_LEVEL", System.getenv("CAIRN_LOG_LEVEL"));
    root.setLevel(level == null ? Level.INFO : Level.toLevel(level, Level.DEBUG));
    root.addAppender(stderr(context, "STDERR", encoder));
    context.getLogger("org.eclipse.jetty").setLevel(Level.WARN);
  }

  /** A started appender named {@code name} writing {@code encoder}'s lines to stderr. */
  static ConsoleAppender<ILoggingEvent> stderr(LoggerContext context, String name,
      Encoder<ILoggingEvent> encoder) {
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName(name);
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    return stderr;
  }
}
