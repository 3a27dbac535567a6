package dev.cairn.monitor.report;

/**
 * What the monitor checks, each with a stable ID (in reports, alerts, metrics and fingerprints:
 * never renamed), the severity of its findings, what a finding means for the people relying on
 * the log, and what to do about it.
 */
public enum Rule {
  CHECKPOINT_SIGNATURE("checkpoint.signature", Severity.CRITICAL,
      "Clients reject this checkpoint; if the log's key signed something else, the log or its"
          + " key is compromised and anything it served may be forged.",
      "Compare the checkpoint with the log operator's published keys; if the signature is"
          + " bad, treat the log as compromised until its operator explains, and keep the"
          + " evidence."),
  CHECKPOINT_QUORUM("checkpoint.quorum", Severity.ERROR,
      "Clients that enforce the witness policy reject the checkpoint: the log has no split-view"
          + " protection they accept until enough witnesses cosign.",
      "Check that the witnesses named are up and reachable from the log, and the log's"
          + " witness configuration; the report names the missing cosignatures."),
  CHECKPOINT_COSIGNATURE_TIME("checkpoint.cosignature_time", Severity.ERROR,
      "A cosignature dated in the future cannot be trusted to order events: the witness's"
          + " clock is wrong or the cosignature was forged.",
      "Ask the witness's operator to check its clock; compare with the witness's own"
          + " monitoring endpoint."),
  WITNESS_STALE("witness.stale", Severity.WARNING,
      "The witness stopped cosigning recent checkpoints: if more witnesses stop, the quorum"
          + " fails and clients reject new checkpoints.",
      "Check the witness's health and whether the log still submits to it."),
  LOG_CONSISTENCY("log.consistency", Severity.CRITICAL,
      "The log's history changed: entries seen before were removed or rewritten (a fork or"
          + " rollback), which a transparency log must never do.",
      "Keep both signed checkpoints as evidence, stop trusting new checkpoints from the log,"
          + " and ask its operator for an explanation."),
  LOG_SPLIT_VIEW("log.split_view", Severity.CRITICAL,
      "The log showed different histories to different parties: one of them is being"
          + " deceived.",
      "Keep both signed checkpoints (they prove the log signed both), publish them to the"
          + " log's ecosystem, and stop trusting the log."),
  LOG_REPLAY("log.replay", Severity.CRITICAL,
      "The tiles or entries the log serves do not lead to the root it signed: proofs built"
          + " from them may be false and the entries may not be what was logged.",
      "Fetch the named objects again to rule out a caching layer, then report the evidence to"
          + " the log's operator."),
  LOG_FRESHNESS("log.freshness", Severity.WARNING,
      "The log has not published a new checkpoint for longer than allowed: new entries are"
          + " not being logged, or the log is stuck.",
      "Check the log's health and its publisher; a log that cannot reach its witness quorum"
          + " also stops publishing."),
  ENTRY_WATCH_MATCH("entry.watch_match", Severity.INFO,
      "An entry matching a watch rule was logged: if you did not log it, someone published"
          + " a record in your name.",
      "Confirm the entry is yours (release, certificate, key); if not, revoke what it names."),
  COLLECTOR_UNREACHABLE("collector.unreachable", Severity.ERROR,
      "The monitor could not read the log or a witness, so nothing of it was checked this run.",
      "Check the URL, the network path and the server's status; the evidence has the HTTP"
          + " status or error."),
  MONITOR_MISSED_RUN("monitor.missed_run", Severity.WARNING,
      "Scheduled audits did not happen: misbehaviour in that window was noticed late.",
      "Check the monitor's host (suspended, overloaded, restarted) and the run durations in"
          + " /metrics.");

  private final String id;
  private final Severity severity;
  private final String consequence;
  private final String remediation;

  Rule(String id, Severity severity, String consequence, String remediation) {
    this.id = id;
    this.severity = severity;
    this.consequence = consequence;
    this.remediation = remediation;
  }

  /** The stable ID, e.g. {@code log.split_view}. */
  public String id() {
    return id;
  }

  /** The severity of this rule's findings. */
  public Severity severity() {
    return severity;
  }

  /** What a finding means for those relying on the log. */
  public String consequence() {
    return consequence;
  }

  /** What to do about a finding. */
  public String remediation() {
    return remediation;
  }

  /** The rule {@code id} names. */
  public static Rule of(String id) {
    for (Rule r : values()) {
      if (r.id.equals(id)) {
        return r;
      }
    }
    throw new IllegalArgumentException("unknown rule \"" + id + "\"");
  }
}
