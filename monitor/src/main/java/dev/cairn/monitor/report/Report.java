package dev.cairn.monitor.report;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One audit run of every configured log: what each log showed, and what was wrong. The JSON form
 * ({@link ReportJson}) is versioned ({@link #SCHEMA_VERSION}; the JSON Schema is {@code
 * docs/monitor/report.schema.json}).
 *
 * @param runId the run's ID: reports, alerts, logs and spans name it
 * @param started when the run began
 * @param finished when it ended
 * @param configHash the SHA-256 of the configuration the run used (drift detection)
 * @param logs what each log showed, in configuration order
 * @param findings what is wrong, most severe first, then by log, rule and fingerprint
 * @param resolved fingerprints of findings open before this run that it no longer found
 */
public record Report(String runId, Instant started, Instant finished, String configHash,
    List<LogResult> logs, List<Finding> findings, List<String> resolved) {
  /** The version of the report's JSON form. */
  public static final int SCHEMA_VERSION = 1;

  /** The order of findings in a report. */
  public static final Comparator<Finding> ORDER = Comparator
      .comparing(Finding::severity).reversed()
      .thenComparing(Finding::log)
      .thenComparing(f -> f.rule().id())
      .thenComparing(Finding::fingerprint);

  /** Checks nothing is null; sorts the findings and copies the lists. */
  public Report {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(started, "started");
    Objects.requireNonNull(finished, "finished");
    Objects.requireNonNull(configHash, "configHash");
    logs = List.copyOf(logs);
    findings = findings.stream().sorted(ORDER).toList();
    resolved = resolved.stream().sorted().toList();
  }

  /** The most severe finding's severity, if there is any finding. */
  public Optional<Severity> worst() {
    return findings.stream().map(Finding::severity).max(Comparator.naturalOrder());
  }
}
