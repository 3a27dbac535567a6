package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The logging set up in code: what logback.xml configured, and the level from the setting. */
class LogSetupTest {
  @AfterEach
  void clear() {
    System.clearProperty("CAIRN_LOG_LEVEL");
  }

  private static LoggerContext configured() {
    LoggerContext context = new LoggerContext();
    LogSetup.apply(context);
    return context;
  }

  /** Tests (here, the log module's test jar) keep their own logback-test.xml. */
  @Test
  void aTestConfigurationOnTheClassPathWins() {
    assertThat(getClass().getClassLoader().getResource("logback-test.xml")).isNotNull();
    assertThat(new LogSetup().configure(new LoggerContext()))
        .isEqualTo(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
  }

  @Test
  void linesGoToStderrInThePatternAndJettySaysOnlyWarnings() {
    LoggerContext context = configured();
    ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    var appender = (ConsoleAppender<?>) root.getAppender("STDERR");
    assertThat(appender.getTarget()).isEqualTo("System.err");
    assertThat(((PatternLayoutEncoder) appender.getEncoder()).getPattern())
        .isEqualTo(LogSetup.PATTERN);
    assertThat(context.getLogger("org.eclipse.jetty").getLevel()).isEqualTo(Level.WARN);
    assertThat(context.getLogger("org.eclipse.jetty.server").getEffectiveLevel())
        .isEqualTo(Level.WARN);
  }

  @Test
  void theLevelIsCairnLogLevelInfoWithoutItAndDebugForANameThatIsNoLevel() {
    org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("CAIRN_LOG_LEVEL") == null);
    assertThat(configured().getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getLevel())
        .isEqualTo(Level.INFO);
    System.setProperty("CAIRN_LOG_LEVEL", "warn");
    assertThat(configured().getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getLevel())
        .isEqualTo(Level.WARN);
    System.setProperty("CAIRN_LOG_LEVEL", "loud");
    assertThat(configured().getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getLevel())
        .isEqualTo(Level.DEBUG);
  }
}
