package dev.cairn.monitor.alert;

import dev.cairn.monitor.report.Severity;
import java.util.Objects;

/**
 * A channel and the least severe alerts it is sent.
 *
 * @param channel where alerts go
 * @param minSeverity alerts of findings below this are not sent on it
 */
public record Route(Channel channel, Severity minSeverity) {
  /** Checks nothing is null. */
  public Route {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(minSeverity, "minSeverity");
  }

  /** Whether {@code alert} goes on this channel. */
  public boolean accepts(Alert alert) {
    return alert.finding().severity().atLeast(minSeverity);
  }
}
