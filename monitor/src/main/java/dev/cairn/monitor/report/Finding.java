package dev.cairn.monitor.report;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * Something wrong (or worth knowing) about one log, as a person reads it.
 *
 * @param rule the rule it breaks
 * @param log the configured name of the log
 * @param summary one sentence that stands alone ("log example.com/log served two different
 *     checkpoints of size 12: ...")
 * @param observed what the monitor saw
 * @param expected what it should have seen
 * @param evidence what proves it
 * @param fingerprint stable across runs for the same problem: alerts are deduplicated by it
 * @param firstSeen when a run first found it
 * @param lastSeen when a run last found it
 */
public record Finding(Rule rule, String log, String summary, String observed, String expected,
    List<Evidence> evidence, String fingerprint, Instant firstSeen, Instant lastSeen) {
  /** Checks nothing is null; copies the evidence. */
  public Finding {
    Objects.requireNonNull(rule, "rule");
    Objects.requireNonNull(log, "log");
    Objects.requireNonNull(summary, "summary");
    Objects.requireNonNull(observed, "observed");
    Objects.requireNonNull(expected, "expected");
    evidence = List.copyOf(evidence);
    Objects.requireNonNull(fingerprint, "fingerprint");
    Objects.requireNonNull(firstSeen, "firstSeen");
    Objects.requireNonNull(lastSeen, "lastSeen");
  }

  /**
   * A finding seen first and last at {@code at}, fingerprinted by its rule, log and {@code
   * subject}: what makes this problem this one (the size of the forked checkpoint, the index of
   * the entry matched; empty for a condition like staleness, which is one problem however long
   * it lasts).
   */
  public static Finding of(Rule rule, String log, String subject, String summary,
      String observed, String expected, List<Evidence> evidence, Instant at) {
    return new Finding(rule, log, summary, observed, expected, evidence,
        fingerprint(rule, log, subject), at, at);
  }

  /** The severity of its rule. */
  public Severity severity() {
    return rule.severity();
  }

  /** This finding, first seen at {@code firstSeen}. */
  public Finding firstSeenAt(Instant firstSeen) {
    return new Finding(rule, log, summary, observed, expected, evidence, fingerprint, firstSeen,
        lastSeen);
  }

  /** The first 16 bytes of SHA-256(rule NUL log NUL subject), in hex. */
  public static String fingerprint(Rule rule, String log, String subject) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      byte[] h = d.digest((rule.id() + "\0" + log + "\0" + subject)
          .getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
