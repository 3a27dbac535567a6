package dev.cairn.monitor.alert;

import dev.cairn.monitor.report.Finding;
import java.util.Objects;

/**
 * A finding that opened or resolved, to be told on every channel once.
 *
 * @param event {@code opened} or {@code resolved}
 * @param finding the finding (for a resolved one, as last seen)
 * @param runId the run that opened or resolved it
 */
public record Alert(String event, Finding finding, String runId) {
  /** Checks the event. */
  public Alert {
    if (!event.equals("opened") && !event.equals("resolved")) {
      throw new IllegalArgumentException("an alert is opened or resolved, not " + event);
    }
    Objects.requireNonNull(finding, "finding");
    Objects.requireNonNull(runId, "runId");
  }

  /**
   * The alert's ID, the same for the same event of the same occurrence of a finding whatever
   * the run (a finding that resolves and opens again is a new occurrence: its first-seen time
   * differs): a receiver deduplicates by it ({@code X-Cairn-Alert-Id}, {@code Message-ID}).
   */
  public String id() {
    return finding.fingerprint() + "-" + finding.firstSeen().getEpochSecond() + "-" + event;
  }
}
