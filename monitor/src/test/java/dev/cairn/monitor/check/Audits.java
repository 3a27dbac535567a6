package dev.cairn.monitor.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.log.testing.TestClock;
import dev.cairn.monitor.Monitor;
import dev.cairn.monitor.config.MonitorConfig.LogTarget;
import dev.cairn.monitor.report.Evidence;
import dev.cairn.monitor.report.Finding;
import dev.cairn.monitor.report.Rule;
import dev.cairn.monitor.testing.RogueLog;
import dev.cairn.read.HttpLogReader;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * A rogue log on loopback, a test clock that dates its cosignatures, and audits of it over real
 * HTTP as the monitor makes them.
 */
final class Audits implements AutoCloseable {
  static final Instant START = Instant.parse("2025-06-01T12:00:00Z");

  final TestClock clock = new TestClock(START);
  final RogueLog log;
  private final HttpLogReader reader;
  private final HttpClient http = HttpClient.newHttpClient();
  private int runs;

  Audits(UnaryOperator<RogueLog.Builder> settings) throws IOException {
    log = settings.apply(RogueLog.builder().clock(clock)).start();
    reader = HttpLogReader.open(log.url());
  }

  /** An audit of {@code target} now, as run {@code run-<n>}. */
  LogAudit.Outcome run(LogTarget target, Optional<LogState> previous) {
    return LogAudit.run(target, reader, Monitor.httpWitnesses(http, Duration.ofSeconds(10)),
        previous, clock.instant(), "run-" + ++runs);
  }

  /**
   * An audit of {@code target} now where the log serves {@code checkpoint} (an older one, as a
   * stale cache would) in front of its current tiles.
   */
  LogAudit.Outcome runServing(byte[] checkpoint, LogTarget target, Optional<LogState> previous) {
    dev.cairn.read.LogReader stale = new dev.cairn.read.LogReader() {
      @Override
      public String describe() {
        return reader.describe();
      }

      @Override
      public byte[] checkpoint() {
        return checkpoint.clone();
      }

      @Override
      public byte[] readTile(dev.cairn.tile.HashTile tile) throws java.io.IOException {
        return reader.readTile(tile);
      }

      @Override
      public byte[] readBundle(dev.cairn.tile.EntryBundle bundle) throws java.io.IOException {
        return reader.readBundle(bundle);
      }
    };
    return LogAudit.run(target, stale, Monitor.httpWitnesses(http, Duration.ofSeconds(10)),
        previous, clock.instant(), "run-" + ++runs);
  }

  /** A first audit, which must pass and be accepted. */
  LogState accepted(LogTarget target) {
    LogAudit.Outcome o = run(target, Optional.empty());
    assertThat(o.findings()).isEmpty();
    return o.accepted().orElseThrow();
  }

  /** The checkpoint the log serves now, as text. */
  String served() {
    return new String(log.checkpoint(), StandardCharsets.UTF_8);
  }

  /**
   * The one finding of {@code rule} among {@code o}'s, checked for what every finding has: its
   * rule's severity, the log's name in the summary, evidence, the run's time.
   */
  Finding one(LogAudit.Outcome o, Rule rule, String logName) {
    List<Finding> of = o.findings().stream().filter(f -> f.rule() == rule).toList();
    assertThat(of).as("findings of %s in %s", rule.id(), o.findings()).hasSize(1);
    Finding f = of.get(0);
    assertThat(f.severity()).isEqualTo(rule.severity());
    assertThat(f.log()).isEqualTo(logName);
    assertThat(f.summary()).contains(logName);
    assertThat(f.evidence()).isNotEmpty();
    assertThat(f.firstSeen()).isEqualTo(clock.instant()).isEqualTo(f.lastSeen());
    return f;
  }

  /** The rule IDs of {@code o}'s findings, in order. */
  static List<String> rules(LogAudit.Outcome o) {
    return o.findings().stream().map(f -> f.rule().id()).toList();
  }

  /** The contents of {@code f}'s evidence of {@code kind}. */
  static List<String> evidence(Finding f, String kind) {
    return f.evidence().stream().filter(e -> e.kind().equals(kind)).map(Evidence::content)
        .toList();
  }

  /** Checks nothing was accepted. */
  static void assertBlocked(LogAudit.Outcome o) {
    assertThat(o.accepted()).isEmpty();
    assertThat(o.result().accepted()).isFalse();
    assertThat(o.findings()).anyMatch(LogAudit::blocks);
  }

  @Override
  public void close() {
    reader.close();
    http.close();
    log.close();
  }
}
