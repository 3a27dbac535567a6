package dev.cairn.monitor.report;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** Reports for tests: the golden one, with hostile text, and small ones to store. */
final class Reports {
  static final Instant STARTED = Instant.parse("2026-03-14T09:26:53Z");
  static final Instant FINISHED = Instant.parse("2026-03-14T09:27:05.250Z");
  static final String CONFIG_HASH = hex(sha256("monitor.yaml"));
  static final String HOSTILE = "<script>alert(\"x\")</script><img src=x onerror=alert(1)>";

  private Reports() {}

  /**
   * The golden report: a log that showed a split view, served a hostile entry and was replayed;
   * a log that could not be read; one finding resolved.
   */
  static Report golden() {
    String log = "example.com/log";
    String evil = "evil.example/" + HOSTILE;
    LogResult good = new LogResult(log, "https://example.com/log/", "findings",
        Optional.of(1234L), Optional.of(root("1234")), Optional.of(1200L), 34, false);
    LogResult bad = new LogResult(evil, "javascript:alert(1)//https://evil.example/", "unreachable",
        Optional.empty(), Optional.empty(), Optional.empty(), 0, false);
    Instant earlier = Instant.parse("2026-03-13T21:00:00.123456Z");
    Finding split = Finding.of(Rule.LOG_SPLIT_VIEW, log, "1234",
        "log example.com/log served two different checkpoints of size 1234",
        "root " + root("1234") + " at size 1234", "root " + root("other") + " (cosigned by"
            + " witness.example)",
        List.of(
            Evidence.note("checkpoint served by the log", "example.com/log\n1234\n"
                + root("1234") + "\n\n— example.com/log AAAA\n"),
            Evidence.note("checkpoint cosigned by witness.example", "example.com/log\n1234\n"
                + root("other") + "\n\n— witness.example BBBB\n")),
        STARTED).firstSeenAt(earlier);
    Finding match = Finding.of(Rule.ENTRY_WATCH_MATCH, log, "1201",
        "entry 1201 matches watch rule \"release signing key\"",
        "entry 1201: ünïcödé ✓ 日本語 " + HOSTILE, "no entry naming the release key",
        List.of(Evidence.text("the entry", "index 1201\n\tkey: ✓ \"quoted\" & 'single'\n"
            + HOSTILE + "\n\u0000 \u001f \u2028 end")),
        STARTED);
    Finding unreachable = Finding.of(Rule.COLLECTOR_UNREACHABLE, evil, "",
        "log " + evil + " could not be read", "GET checkpoint: connection refused",
        "HTTP 200 with a checkpoint",
        List.of(Evidence.http("GET https://evil.example/checkpoint", "connection refused")),
        STARTED);
    return new Report("run-2026-03-14T09.26.53Z-7f3a", STARTED, FINISHED, CONFIG_HASH,
        List.of(good, bad), List.of(match, unreachable, split),
        List.of(Finding.fingerprint(Rule.LOG_FRESHNESS, log, "")));
  }

  /** A report without findings, of run {@code runId}, started at {@code started}. */
  static Report quiet(String runId, Instant started) {
    return new Report(runId, started, started.plusSeconds(3), CONFIG_HASH,
        List.of(new LogResult("example.com/log", "https://example.com/log/", "ok",
            Optional.of(10L), Optional.of(root("10")), Optional.empty(), 10, true)),
        List.of(), List.of());
  }

  static String root(String of) {
    return Base64.getEncoder().encodeToString(sha256(of));
  }

  static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
