package dev.cairn.log.health;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.cairn.log.storage.StorageException;
import dev.cairn.log.storage.StorageException.Kind;
import dev.cairn.log.testing.TestClock;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A part's health follows every attempt, while its log follows only the changes: one line when
 * a fault begins, one when it clears, and none for a fault that flickers at the edge of full.
 */
class ComponentHealthTest {
  private final TestClock clock = new TestClock(Instant.parse("2030-01-01T00:00:00Z"));
  private final Logger logger = (Logger) LoggerFactory.getLogger("test.health");
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final ComponentHealth health;

  ComponentHealthTest() {
    logged.start();
    logger.addAppender(logged);
    logger.setLevel(Level.DEBUG);
    health = new ComponentHealth("integrator", "writing tiles failed", logger, clock);
  }

  @AfterEach
  void detach() {
    logger.detachAppender(logged);
  }

  private static IOException noSpace() {
    return new StorageException(Kind.NO_SPACE,
        "couldn't write /data/tiles/.tmp/x.tmp: No space left on device");
  }

  private List<String> lines(Level level) {
    return logged.list.stream().filter(e -> e.getLevel() == level)
        .map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  void aLastingFaultIsLoggedWhenItBeginsAndWhenItClears() {
    for (int i = 0; i < 100; i++) {
      health.failed("integrating", noSpace());
      clock.advance(Duration.ofMillis(100));
    }
    StorageFault f = health.fault().orElseThrow();
    assertThat(f.kind()).isEqualTo(Kind.NO_SPACE);
    assertThat(f.component()).isEqualTo("integrator");
    assertThat(f.reason()).isEqualTo("writing tiles failed: disk full: couldn't write"
        + " /data/tiles/.tmp/x.tmp: No space left on device");
    assertThat(f.summary()).as("for /readyz: no file, no error text")
        .isEqualTo("writing tiles failed: disk full");
    assertThat(f.since()).isEqualTo(Instant.parse("2030-01-01T00:00:00Z"));
    assertThat(health.faultsStarted(Kind.NO_SPACE)).isEqualTo(1);

    health.recovered();
    assertThat(health.fault()).isEmpty();
    assertThat(lines(Level.ERROR)).singleElement().asString()
        .startsWith("integrator fault began (disk full) while integrating");
    assertThat(lines(Level.INFO)).singleElement().asString()
        .isEqualTo("integrator recovered from disk full after 100 failed attempts over 10.0 s");
  }

  @Test
  void aFaultThatChangesKindIsLoggedAgain() {
    health.failed("integrating", noSpace());
    health.failed("integrating", new StorageException(Kind.READ_ONLY,
        "/data/tiles/tile/0/000: Read-only file system"));
    assertThat(health.fault().orElseThrow().kind()).isEqualTo(Kind.READ_ONLY);
    assertThat(lines(Level.ERROR)).hasSize(2).last().asString()
        .startsWith("integrator fault is now read-only file system (was disk full)");
    assertThat(health.faultsStarted(Kind.READ_ONLY)).isEqualTo(1);
  }

  @Test
  void aFaultComingAndGoingIsLoggedOnlyOnceItLasts() {
    health.failed("integrating", noSpace());
    health.recovered();
    for (int i = 0; i < 20; i++) { // flickering: a smaller write fits, the next does not
      clock.advance(Duration.ofMillis(10));
      health.failed("integrating", noSpace());
      clock.advance(Duration.ofMillis(10));
      health.recovered();
    }
    assertThat(lines(Level.ERROR)).hasSize(1);
    assertThat(lines(Level.INFO)).hasSize(1);
    assertThat(health.faultsStarted(Kind.NO_SPACE)).isEqualTo(21);

    // Then it stays: logged once it has lasted a second, and so is its end.
    health.failed("integrating", noSpace());
    clock.advance(Duration.ofMillis(500));
    health.failed("integrating", noSpace());
    assertThat(lines(Level.ERROR)).hasSize(1);
    clock.advance(Duration.ofMillis(600));
    health.failed("integrating", noSpace());
    assertThat(lines(Level.ERROR)).hasSize(2).last().asString()
        .contains("it came and went 21 times in the last minute");
    health.recovered();
    assertThat(lines(Level.INFO)).hasSize(2);
  }

  @Test
  void aFaultLongAfterTheLastIsLoggedAtOnce() {
    health.failed("integrating", noSpace());
    health.recovered();
    clock.advance(Duration.ofMinutes(2));
    health.failed("integrating", noSpace());
    assertThat(lines(Level.ERROR)).hasSize(2);
  }

  @Test
  void kindsComeFromStorageExceptionsAnywhereInTheCausesNeverFromMessages() {
    assertThat(StorageException.kindOf(new IOException("sequencing failed",
        new StorageException(Kind.READ_ONLY, "x")))).isEqualTo(Kind.READ_ONLY);
    IOException suppressed = new IOException("couldn't append");
    suppressed.addSuppressed(new StorageException(Kind.IO_ERROR, "y"));
    suppressed.addSuppressed(new StorageException(Kind.NO_SPACE, "z"));
    assertThat(StorageException.kindOf(suppressed)).isEqualTo(Kind.NO_SPACE);
    assertThat(StorageException.kindOf(new IOException("No space left on device")))
        .as("the text of a message classifies nothing above the backend")
        .isEqualTo(Kind.OTHER);
    assertThat(StorageException.kindOf(new IllegalStateException())).isEqualTo(Kind.OTHER);
  }

  @Test
  void aFatalFaultStopsThePartUntilRestartedAndIsLoggedOnce() {
    health.failed("integrating", new StorageException(Kind.CONFLICT,
        "tile/0/000 already holds other bytes"));
    health.recovered();
    health.failed("integrating", noSpace());
    health.recovered();
    assertThat(health.stopped()).isTrue();
    StorageFault f = health.fault().orElseThrow();
    assertThat(f.kind()).isEqualTo(Kind.CONFLICT);
    assertThat(f.fatal()).isTrue();
    assertThat(f.reason()).isEqualTo("writing tiles failed: conflicting write: tile/0/000"
        + " already holds other bytes");
    assertThat(lines(Level.ERROR)).singleElement().asString()
        .contains("integrator STOPPED (conflicting write)").contains("When the log stops");
    assertThat(lines(Level.INFO)).isEmpty();
  }
}
