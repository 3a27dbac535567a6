package dev.cairn.monitor.report;

import java.util.Locale;

/** How bad a finding is, in increasing order; {@code fail_on} names one of these. */
public enum Severity {
  /** Worth knowing, nothing wrong (an entry matched a watch rule). */
  INFO,
  /** Degraded: the log or a witness lags, a run was missed. */
  WARNING,
  /** The log could not be checked, or failed a check that does not prove misbehaviour. */
  ERROR,
  /** Proof of misbehaviour: a bad signature, a fork, a split view, tiles that lie. */
  CRITICAL;

  /** The name in configuration and reports: {@code info}, {@code warning}, ... */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The severity {@code id} names. */
  public static Severity of(String id) {
    for (Severity s : values()) {
      if (s.id().equals(id)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown severity \"" + id
        + "\" (info, warning, error, critical)");
  }

  /** Whether this is at least {@code other}. */
  public boolean atLeast(Severity other) {
    return compareTo(other) >= 0;
  }
}
