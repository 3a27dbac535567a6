package dev.cairn.monitor.report;

import java.util.Objects;

/**
 * One piece of evidence behind a finding, shown as is.
 *
 * @param kind what it is: {@code note} (a signed note, verbatim), {@code proof} (proof hashes,
 *     one per line), {@code http} (a request: URL, status or error), {@code entry} (an entry's
 *     index and hash), {@code text}
 * @param label what it is in a few words ("checkpoint served by the log")
 * @param content the evidence itself
 */
public record Evidence(String kind, String label, String content) {
  /** Checks nothing is null. */
  public Evidence {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(content, "content");
  }

  /** A signed note, verbatim. */
  public static Evidence note(String label, String note) {
    return new Evidence("note", label, note);
  }

  /** A request and how it went. */
  public static Evidence http(String label, String content) {
    return new Evidence("http", label, content);
  }

  /** Free text. */
  public static Evidence text(String label, String content) {
    return new Evidence("text", label, content);
  }
}
