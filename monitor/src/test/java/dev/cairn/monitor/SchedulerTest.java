package dev.cairn.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.log.testing.TestClock;
import dev.cairn.monitor.report.Finding;
import dev.cairn.monitor.report.Rule;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The schedule on a test clock: runs at once, on demand, and counts the runs it missed. */
class SchedulerTest {
  private static final Instant START = Instant.parse("2025-06-01T12:00:00Z");

  private final TestClock clock = new TestClock(START);
  private final MonitorMetrics metrics = new MonitorMetrics();
  private final BlockingQueue<List<Finding>> runs = new LinkedBlockingQueue<>();
  private final AtomicReference<Thread> runner = new AtomicReference<>();

  private Scheduler hourly() {
    return new Scheduler(Duration.ofHours(1), Duration.ZERO, clock, extra -> {
      runner.set(Thread.currentThread());
      runs.add(extra);
    }, metrics);
  }

  private List<Finding> nextRun() throws InterruptedException {
    List<Finding> extra = runs.poll(10, TimeUnit.SECONDS);
    assertThat(extra).as("a run within 10 s").isNotNull();
    return extra;
  }

  @Test
  void runsAtOnceThenReportsTheRunsItMissed() throws Exception {
    Scheduler s = hourly();
    s.start();
    try {
      assertThat(nextRun()).as("the first run, on time").isEmpty();
      clock.advance(Duration.ofHours(3));
      s.now();
      List<Finding> extra = nextRun();
      assertThat(extra).singleElement().satisfies(f -> {
        assertThat(f.rule()).isEqualTo(Rule.MONITOR_MISSED_RUN);
        assertThat(f.summary()).startsWith("2 scheduled audit runs were missed")
            .contains("due at " + START.plus(Duration.ofHours(1)));
        assertThat(f.firstSeen()).isEqualTo(START.plus(Duration.ofHours(3)));
      });
      assertThat(new String(metrics.scrape(), StandardCharsets.UTF_8))
          .contains("cairn_monitor_missed_runs_total 2.0");

      s.now();
      assertThat(nextRun()).as("asked for early: nothing missed").isEmpty();
    } finally {
      s.close();
    }
    assertThat(runner.get().isAlive()).as("closed: its thread ended").isFalse();
    s.now();
    assertThat(runs).as("no run after close").isEmpty();
  }

  @Test
  void aFailedRunDoesNotStopTheSchedule() throws Exception {
    BlockingQueue<String> tries = new LinkedBlockingQueue<>();
    try (Scheduler s = new Scheduler(Duration.ofHours(1), Duration.ZERO, clock, extra -> {
      tries.add("run");
      throw new IllegalStateException("the run failed");
    }, metrics)) {
      s.start();
      assertThat(tries.poll(10, TimeUnit.SECONDS)).isNotNull();
      s.now();
      assertThat(tries.poll(10, TimeUnit.SECONDS)).as("the next run still happens").isNotNull();
    }
  }

  @Test
  void theScheduleIsChecked() {
    assertThatThrownBy(() -> new Scheduler(Duration.ofHours(1),
        Duration.ofHours(1), clock, extra -> {}, metrics))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Scheduler(Duration.ZERO,
        Duration.ZERO, clock, extra -> {}, metrics))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
