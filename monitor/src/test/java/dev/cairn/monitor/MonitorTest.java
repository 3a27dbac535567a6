package dev.cairn.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.log.testing.Poll;
import dev.cairn.log.tracing.Tracing;
import dev.cairn.monitor.alert.Alert;
import dev.cairn.monitor.config.MonitorConfig.LogTarget;
import dev.cairn.monitor.report.Finding;
import dev.cairn.monitor.report.Report;
import dev.cairn.monitor.report.ReportJson;
import dev.cairn.monitor.report.Rule;
import dev.cairn.monitor.testing.RogueLog;
import dev.cairn.monitor.testing.Targets;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs over real HTTP with a real report store and ledger: findings open, stay open and resolve
 * with one alert each; reruns and crashes between a run's steps alert nothing twice.
 */
class MonitorTest {
  @TempDir Path dir;
  private Monitors env;
  private RogueLog log;
  private LogTarget target;
  private Monitor monitor;

  @BeforeEach
  void start() throws IOException {
    env = new Monitors(dir);
    log = RogueLog.builder().clock(env.clock).witnesses("w1").size(20).start();
    target = Targets.of("rogue", log).quorum("w1").endpoints()
        .maxCosignatureAge(Duration.ofHours(1)).build();
    monitor = env.open(List.of(target));
  }

  @AfterEach
  void stop() {
    monitor.close();
    log.close();
    env.close();
  }

  private Report run(String id) throws IOException {
    env.clock.advance(Duration.ofMinutes(10));
    return monitor.run(id, List.of());
  }

  private static List<String> rules(Report r) {
    return r.findings().stream().map(f -> f.rule().id()).toList();
  }

  @Test
  void aFindingAlertsWhenItOpensAndWhenItResolvesOnly() throws IOException {
    log.stale(Duration.ofHours(2));
    Report first = run("r1");
    assertThat(rules(first)).containsExactly("witness.stale");
    Finding stale = first.findings().get(0);
    assertThat(env.alerts.events()).containsExactly("opened witness.stale");

    Report second = run("r2");
    assertThat(second.findings()).singleElement().satisfies(f -> {
      assertThat(f.fingerprint()).isEqualTo(stale.fingerprint());
      assertThat(f.firstSeen()).isEqualTo(stale.firstSeen());
      assertThat(f.lastSeen()).isEqualTo(env.clock.instant());
    });
    assertThat(env.alerts.events()).as("still open: no new alert").hasSize(1);
    assertThat(monitor.openFindings()).extracting(Finding::firstSeen)
        .containsExactly(stale.firstSeen());

    log.repair();
    Report fixed = run("r3");
    assertThat(fixed.findings()).isEmpty();
    assertThat(fixed.resolved()).containsExactly(stale.fingerprint());
    assertThat(env.alerts.events()).containsExactly("opened witness.stale",
        "resolved witness.stale");
    assertThat(monitor.openFindings()).isEmpty();
    assertThat(env.ledgerOnDisk().orElseThrow().runId()).isEqualTo("r3");
  }

  @Test
  void anUnreachableLogResolvesNothing() throws IOException {
    log.stale(Duration.ofHours(2));
    Finding stale = run("r1").findings().get(0);
    log.down(503);
    Report down = run("r2");
    assertThat(rules(down)).containsExactly("collector.unreachable");
    assertThat(down.resolved()).isEmpty();
    assertThat(monitor.openFindings()).extracting(f -> f.rule().id())
        .containsExactlyInAnyOrder("witness.stale", "collector.unreachable");

    log.up();
    log.repair();
    Report back = run("r3");
    assertThat(back.resolved()).containsExactlyInAnyOrder(stale.fingerprint(),
        Finding.fingerprint(Rule.COLLECTOR_UNREACHABLE, "rogue", "log"));
    assertThat(env.alerts.events()).containsExactlyInAnyOrder("opened witness.stale",
        "opened collector.unreachable", "resolved witness.stale",
        "resolved collector.unreachable");
  }

  @Test
  void aLogThatFailsAfterItsCheckpointResolvesNothing() throws IOException {
    run("r1");
    log.fork(5);
    Report forked = run("r2");
    assertThat(rules(forked)).containsExactly("log.consistency");
    env.readers = Hooks.afterCheckpoint(env.readers, () -> log.down(503));
    monitor.close();
    monitor = env.open(List.of(target));
    Report flaky = run("r3");
    assertThat(rules(flaky)).containsOnly("collector.unreachable");
    assertThat(flaky.resolved()).as("the fork was not checked again").isEmpty();
    assertThat(monitor.openFindings()).extracting(f -> f.rule().id())
        .contains("log.consistency");
  }

  @Test
  void aRerunOfARunReturnsItsReportAndAlertsNothingMore() throws IOException {
    log.stale(Duration.ofHours(2));
    Report first = run("r1");
    long requests = log.totalRequests();
    Report again = run("r1");
    assertThat(ReportJson.write(again)).isEqualTo(ReportJson.write(first));
    assertThat(log.totalRequests()).as("no audit").isEqualTo(requests);
    assertThat(env.alerts.calls).hasSize(1);
  }

  @Test
  void aCrashBeforeTheLedgerIsCompletedByARerun() throws IOException {
    log.stale(Duration.ofHours(2));
    run("r1");
    log.cosigners();
    log.grow(1);
    env.failLedgerWrites.set(1);
    assertThatThrownBy(() -> run("r2")).isInstanceOf(IOException.class)
        .hasMessageContaining("crashes");
    assertThat(env.store.read("r2")).as("the report was written").isPresent();
    assertThat(env.ledgerOnDisk().orElseThrow().runId()).isEqualTo("r1");
    List<Alert> firstTry = env.alerts.calls.get(1);

    Report rerun = monitor.run("r2", List.of());
    assertThat(ReportJson.write(rerun)).isEqualTo(ReportJson.write(env.store.read("r2")
        .orElseThrow()));
    assertThat(env.alerts.calls.get(2)).extracting(Alert::id)
        .as("the same alerts, so the queue keeps them once")
        .containsExactlyElementsOf(firstTry.stream().map(Alert::id).toList());
    assertThat(env.alerts.events()).containsExactly("opened witness.stale",
        "opened checkpoint.quorum");
    assertThat(env.ledgerOnDisk().orElseThrow().runId()).isEqualTo("r2");
  }

  @Test
  void openingWithAnUnfinishedReportCompletesIt() throws IOException {
    log.stale(Duration.ofHours(2));
    env.failLedgerWrites.set(1);
    assertThatThrownBy(() -> run("r1")).isInstanceOf(IOException.class);
    monitor.close();
    Report unfinished = env.store.read("r1").orElseThrow();

    monitor = env.open(List.of(target), Optional.of(unfinished));
    assertThat(env.ledgerOnDisk().orElseThrow().runId()).isEqualTo("r1");
    assertThat(monitor.openFindings()).extracting(Finding::fingerprint)
        .containsExactlyElementsOf(unfinished.findings().stream().map(Finding::fingerprint)
            .toList());
    assertThat(env.alerts.events()).containsExactly("opened witness.stale");
    int calls = env.alerts.calls.size();
    assertThat(new String(env.metrics.scrape(), StandardCharsets.UTF_8))
        .as("the reopened monitor's open findings, on the same metrics")
        .contains("cairn_monitor_open_findings{rule=\"witness.stale\",severity=\"warning\"} 1");

    monitor.close();
    monitor = env.open(List.of(target), Optional.of(unfinished));
    assertThat(env.alerts.calls).as("already applied: nothing to do").hasSize(calls);
  }

  @Test
  void watchMatchesAreToldOnceWhileABlockingFindingHoldsTheStateBack() throws IOException {
    LogTarget watching = Targets.of("rogue", log).quorum("w1").endpoints()
        .substring("tenth", "entry 10").build();
    monitor.close();
    monitor = env.open(List.of(watching));
    log.splitView("w1");
    assertThat(rules(run("r1"))).contains("log.split_view");
    assertThat(rules(run("r2"))).contains("log.split_view");
    log.repair();
    run("r3");
    assertThat(env.alerts.events()).as("entry 10 matched once")
        .filteredOn(e -> e.endsWith("entry.watch_match")).hasSize(1);
  }

  @Test
  void aLogUnreachableRunAfterRunIsLeftAloneUntilItsBreakerCoolsDown() throws IOException {
    log.down(503);
    for (int i = 1; i <= Monitor.BREAKER_FAILURES; i++) {
      assertThat(rules(monitor.run("down-" + i, List.of())))
          .containsOnly("collector.unreachable");
    }
    long requests = log.totalRequests();
    env.clock.advance(Monitor.BREAKER_COOLDOWN.minusSeconds(1));
    Report open = monitor.run("open", List.of());
    assertThat(log.totalRequests()).as("no request while the breaker is open").isEqualTo(requests);
    assertThat(open.logs().get(0).status()).isEqualTo("unreachable");
    assertThat(open.findings()).singleElement().satisfies(f -> {
      assertThat(f.fingerprint())
          .isEqualTo(Finding.fingerprint(Rule.COLLECTOR_UNREACHABLE, "rogue", "log"));
      assertThat(f.summary()).contains("circuit breaker is open");
    });
    assertThat(env.alerts.events()).as("one problem, one alert")
        .containsExactly("opened collector.unreachable");

    log.up();
    env.clock.advance(Duration.ofSeconds(1));
    Report back = monitor.run("half-open", List.of());
    assertThat(log.totalRequests()).isGreaterThan(requests);
    assertThat(back.logs().get(0).status()).isEqualTo("ok");
    assertThat(env.alerts.events()).containsExactly("opened collector.unreachable",
        "resolved collector.unreachable");
  }

  @Test
  void twoRunsAtOnceRunOneAfterTheOther() throws Exception {
    AtomicInteger opened = new AtomicInteger();
    CountDownLatch gate = new CountDownLatch(1);
    env.readers = Hooks.gated(env.readers, opened, gate);
    monitor.close();
    monitor = env.open(List.of(target));
    CompletableFuture<Report> a = new CompletableFuture<>();
    CompletableFuture<Report> b = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> complete(a, "a"));
    Poll.until("run a to open its reader", Duration.ofSeconds(10), () -> opened.get() == 1);
    Thread runB = Thread.ofVirtual().start(() -> complete(b, "b"));
    Poll.until("run b to wait for run a", Duration.ofSeconds(10),
        () -> Arrays.stream(runB.getStackTrace()).anyMatch(e -> e.getMethodName()
            .equals("lockInterruptibly")));
    assertThat(opened).as("b has not started its audit").hasValue(1);
    gate.countDown();
    Report ra = a.get(10, TimeUnit.SECONDS);
    Report rb = b.get(10, TimeUnit.SECONDS);
    assertThat(opened).as("each run audits the log itself, after the other").hasValue(2);
    assertThat(log.requests("checkpoint")).isEqualTo(2);
    assertThat(ra.logs()).singleElement().extracting(r -> r.size().orElseThrow()).isEqualTo(20L);
    assertThat(rb.logs()).singleElement().satisfies(r -> {
      assertThat(r.previousSize()).as("b started from what a accepted").contains(20L);
      assertThat(r.entriesReplayed()).isZero();
    });
    assertThat(rb.started()).isAfterOrEqualTo(ra.finished());
  }

  @Test
  void aLogThatStopsAtABadSignatureDoesNotResolveItsFork() throws IOException {
    run("r1");
    log.fork(5);
    Report forked = run("r2");
    Finding fork = forked.findings().getFirst();
    assertThat(fork.rule().id()).isEqualTo("log.consistency");
    log.badSignature();
    Report bad = run("r3");
    assertThat(rules(bad)).containsExactly("checkpoint.signature");
    assertThat(bad.resolved()).as("the fork was not looked for").isEmpty();
    assertThat(monitor.openFindings()).extracting(Finding::fingerprint)
        .contains(fork.fingerprint());
    assertThat(env.alerts.events()).doesNotContain("resolved log.consistency");
  }

  @Test
  void anAuditThatFailsCostsOnlyItsLogAndTheRunGoesOn() throws IOException {
    RogueLog other = RogueLog.builder().clock(env.clock).origin("other.example/log").size(7)
        .start();
    try {
      LogTarget broken = Targets.of("broken", other).build();
      Monitor.Readers inner = env.readers;
      env.readers = (t, listener) -> {
        if (t.name().equals("broken")) {
          throw new IllegalStateException("a bug in reading " + t.name());
        }
        return inner.open(t, listener);
      };
      monitor.close();
      monitor = env.open(List.of(target, broken));
      Report r = run("r1");
      assertThat(r.logs()).extracting(l -> l.name() + " " + l.status())
          .containsExactly("rogue ok", "broken unreachable");
      assertThat(r.findings()).singleElement().satisfies(f -> {
        assertThat(f.rule().id()).isEqualTo("collector.unreachable");
        assertThat(f.log()).isEqualTo("broken");
        assertThat(f.summary()).contains("its audit failed", "a bug in reading broken");
      });
    } finally {
      other.close();
    }
  }

  @Test
  void closingDuringARunRecordsNothing() throws Exception {
    AtomicInteger opened = new AtomicInteger();
    CountDownLatch gate = new CountDownLatch(1);
    env.readers = Hooks.gated(env.readers, opened, gate);
    monitor.close();
    monitor = env.open(List.of(target));
    CompletableFuture<Report> a = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> complete(a, "stopped"));
    Poll.until("the run to open its reader", Duration.ofSeconds(10), () -> opened.get() == 1);
    monitor.close();
    gate.countDown();
    assertThat(monitor.awaitIdle(Duration.ofSeconds(10))).isTrue();
    assertThat(a).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
        .havingCause().isInstanceOf(java.io.InterruptedIOException.class);
    assertThat(env.store.read("stopped")).isEmpty();
    assertThat(env.alerts.calls).isEmpty();
  }

  private void complete(CompletableFuture<Report> f, String runId) {
    try {
      f.complete(monitor.run(runId, List.of()));
    } catch (Throwable e) {
      f.completeExceptionally(e);
    }
  }

  @Test
  void logsAreAuditedInParallelAndEachHasItsResult() throws Exception {
    List<RogueLog> logs = new ArrayList<>();
    try {
      List<LogTarget> targets = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        RogueLog l = RogueLog.builder().origin("rogue.example/log" + i).seed(i).size(i + 1)
            .start();
        logs.add(l);
        targets.add(Targets.of("log" + i, l).build());
      }
      logs.get(7).down(500);
      // Every audit waits until all 20 have started: one at a time would never get there.
      CountDownLatch all = new CountDownLatch(20);
      Monitor.Readers inner = env.readers;
      env.readers = (t, listener) -> {
        all.countDown();
        try {
          if (!all.await(10, TimeUnit.SECONDS)) {
            throw new IOException("the audits did not run at once");
          }
        } catch (InterruptedException e) {
          throw new java.io.InterruptedIOException();
        }
        return inner.open(t, listener);
      };
      monitor.close();
      monitor = env.open(targets);
      Report r = run("many");
      assertThat(r.logs()).extracting(l -> l.name())
          .containsExactlyElementsOf(targets.stream().map(LogTarget::name).toList());
      for (int i = 0; i < 20; i++) {
        var result = r.logs().get(i);
        if (i == 7) {
          assertThat(result.status()).isEqualTo("unreachable");
        } else {
          assertThat(result.status()).as(result.name()).isEqualTo("ok");
          assertThat(result.size()).contains((long) i + 1);
        }
      }
      assertThat(r.findings()).singleElement().satisfies(f -> {
        assertThat(f.log()).isEqualTo("log7");
        assertThat(f.rule()).isEqualTo(Rule.COLLECTOR_UNREACHABLE);
      });
    } finally {
      logs.forEach(RogueLog::close);
    }
  }

  @Test
  void aRunIsTracedWithItsLogsUnderIt() throws IOException {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    List<SpanData> done;
    try (Tracing tracing = Tracing.to("cairn-monitor", spans)) {
      env.tracer = tracing.tracer();
      monitor.close();
      monitor = env.open(List.of(target));
      run("traced");
      Poll.until("the run's and the log's spans", Duration.ofSeconds(10), () -> {
        tracing.flush();
        return spans.getFinishedSpanItems().size() >= 2;
      });
      done = spans.getFinishedSpanItems(); // before closing, which empties the exporter
    }
    SpanData runSpan = done.stream().filter(s -> s.getName().equals("monitor.run")).findFirst()
        .orElseThrow();
    SpanData logSpan = done.stream().filter(s -> s.getName().equals("monitor.log")).findFirst()
        .orElseThrow();
    AttributeKey<String> runId = AttributeKey.stringKey("cairn.run_id");
    assertThat(runSpan.getAttributes().get(runId)).isEqualTo("traced");
    assertThat(logSpan.getAttributes().get(runId)).isEqualTo("traced");
    assertThat(logSpan.getAttributes().get(AttributeKey.stringKey("cairn.log")))
        .isEqualTo("rogue");
    assertThat(logSpan.getParentSpanId()).isEqualTo(runSpan.getSpanId());
    assertThat(logSpan.getTraceId()).isEqualTo(runSpan.getTraceId());
  }
}
